namespace RetroIm.Im.Backplane;

/// <summary>
/// How much of a stream is kept for recovery: at most <paramref name="MaxLength"/> entries and none older than
/// <paramref name="MaxAge"/>, whichever is smaller. The publisher decides (ImHelper:HistorySize / HistoryTtl) and the
/// limits are stored with the stream, so readers apply the same ones.
/// </summary>
public sealed record StreamRetention(int MaxLength, TimeSpan MaxAge)
{
    /// <summary>The defaults: 1,000 entries or 10 minutes.</summary>
    public static StreamRetention Default { get; } = new(1000, TimeSpan.FromMinutes(10));
}
