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

    /// <summary>
    /// Not retained (<see cref="MaxLength"/> 0): a direct message sent with it gets no position and is appended to no
    /// stream, so only the receivers' open connections get it (<see cref="ImClient.SendEphemeralMessageAsync(string?, IEnumerable{string}, object?, CancellationToken)"/>).
    /// </summary>
    public static StreamRetention None { get; } = new(0, TimeSpan.Zero);

    /// <summary>True for <see cref="None"/> (any <see cref="MaxLength"/> of 0).</summary>
    public bool IsNone => MaxLength == 0;
}
