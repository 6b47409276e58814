namespace RetroIm.WebApi.Hosting;

/// <summary>The database stores times as Unix milliseconds; the API shows them as ISO 8601 UTC.</summary>
internal static class UnixTime
{
    public static DateTimeOffset ToDate(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? ToDate(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
