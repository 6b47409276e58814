namespace RetroIm.Im.Backplane;

/// <summary>
/// One stream of <see cref="InMemoryBackplane"/>: the sequence (epoch, last offset) and a bounded history, the same
/// model as the Redis keys <c>im:seq:*</c> and <c>im:hist:*</c>. Used only under the backplane's lock.
/// </summary>
internal sealed class MemoryStreamLog(string epoch)
{
    public string Epoch { get; } = epoch;

    public long LastOffset { get; private set; }

    public int MaxLength { get; private set; }

    public long MaxAgeMs { get; private set; }

    public long SequenceExpiresAtMs { get; private set; }

    /// <summary>Oldest first; offsets consecutive.</summary>
    public Queue<(long Offset, long AtMs, byte[] Frame)> Entries { get; } = new();

    /// <summary>A sequence started before its first append (offset 0), as the Redis StreamPositions script does.</summary>
    public void Start(long expiresAtMs)
    {
        MaxLength = int.MaxValue;
        MaxAgeMs = long.MaxValue / 2;
        SequenceExpiresAtMs = expiresAtMs;
    }

    public void Append(byte[] frame, StreamRetention retention, long now, long sequenceTtlMs)
    {
        MaxLength = retention.MaxLength;
        MaxAgeMs = Math.Max(1, (long)Math.Ceiling(retention.MaxAge.TotalMilliseconds));
        SequenceExpiresAtMs = now + sequenceTtlMs;
        Entries.Enqueue((++LastOffset, now, frame));
        Trim(now);
    }

    /// <summary>Keeps at most <see cref="MaxLength"/> entries, none older than <see cref="MaxAgeMs"/>.</summary>
    public void Trim(long now)
    {
        while (Entries.Count > MaxLength) Entries.Dequeue();
        while (Entries.Count > 0 && Entries.Peek().AtMs < now - MaxAgeMs) Entries.Dequeue();
    }
}
