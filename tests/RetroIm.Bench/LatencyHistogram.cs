namespace RetroIm.Bench;

/// <summary>
/// Latencies in fixed buckets, by default 100 µs up to 60 s (anything slower lands in the last bucket). Cheap to record
/// from many threads (Interlocked), cheap to merge across load-generator processes (sparse [bucket, count] pairs).
/// </summary>
internal sealed class LatencyHistogram(int bucketMicros = 100, int buckets = 600_000)
{
    private readonly int _bucketMicros = bucketMicros;
    private readonly long[] _counts = new long[buckets];

    public long Count
    {
        get
        {
            long n = 0;
            foreach (var c in _counts) n += c;
            return n;
        }
    }

    public void Record(long micros)
    {
        var bucket = Math.Clamp(micros / _bucketMicros, 0, _counts.Length - 1);
        Interlocked.Increment(ref _counts[bucket]);
    }

    /// <summary>The latency in milliseconds at or below which <paramref name="percentile"/> % of samples fall.</summary>
    public double PercentileMs(double percentile)
    {
        var total = Count;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(total * percentile / 100.0);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return (i + 1) * _bucketMicros / 1000.0;
        }
        return _counts.Length * _bucketMicros / 1000.0;
    }

    public double MaxMs()
    {
        for (var i = _counts.Length - 1; i >= 0; i--)
            if (_counts[i] > 0) return (i + 1) * _bucketMicros / 1000.0;
        return double.NaN;
    }

    public List<long[]> ToSparse()
    {
        var list = new List<long[]>();
        for (var i = 0; i < _counts.Length; i++)
            if (_counts[i] > 0) list.Add([i, _counts[i]]);
        return list;
    }

    public void AddSparse(IEnumerable<long[]> pairs)
    {
        foreach (var p in pairs) _counts[p[0]] += p[1];
    }

    public void Clear() => Array.Clear(_counts);
}
