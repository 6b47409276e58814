using System.Collections.Concurrent;

namespace RetroIm.Bench;

/// <summary>
/// Latency by when each message was sent: a coarse histogram (1 ms buckets, the last one for a second or more) per
/// <see cref="WindowMicros"/> of send time. A phase's p99 alone cannot tell a tail spread over the whole run from a
/// few slow windows (a burst of work on one side: a collection, Redis growing its memory); the per-window figures can.
/// Cheap to record from many threads and to merge across load-generator processes (sparse [window, bucket, count]).
/// </summary>
internal sealed class LatencyTimeline
{
    public const long WindowMicros = 250_000;
    private const int Buckets = 1024;
    private readonly ConcurrentDictionary<long, long[]> _windows = new();

    public void Record(long sentMicros, long latencyMicros)
    {
        var counts = _windows.GetOrAdd(sentMicros / WindowMicros, static _ => new long[Buckets]);
        Interlocked.Increment(ref counts[Math.Clamp(latencyMicros / 1000, 0, Buckets - 1)]);
    }

    public List<long[]> ToSparse()
    {
        var list = new List<long[]>();
        foreach (var (window, counts) in _windows)
        {
            for (var b = 0; b < counts.Length; b++)
            {
                var n = Volatile.Read(ref counts[b]);
                if (n > 0) list.Add([window, b, n]);
            }
        }
        return list;
    }

    public void AddSparse(IEnumerable<long[]> triples)
    {
        foreach (var t in triples) _windows.GetOrAdd(t[0], static _ => new long[Buckets])[t[1]] += t[2];
    }

    public void Clear() => _windows.Clear();

    /// <summary>
    /// One row per window, in send order: its start in seconds after <paramref name="fromMicros"/> (the window holding
    /// it starts at 0; a straggler of an earlier phase would show before), deliveries, and p99 and max in whole
    /// milliseconds (upper bucket edges).
    /// </summary>
    public List<Dictionary<string, object?>> Rows(long fromMicros)
    {
        var rows = new List<Dictionary<string, object?>>();
        foreach (var (window, counts) in _windows.OrderBy(w => w.Key))
        {
            long total = 0, max = 0;
            for (var b = 0; b < counts.Length; b++)
            {
                total += counts[b];
                if (counts[b] > 0) max = b + 1;
            }
            long seen = 0, rank = (long)Math.Ceiling(total * 0.99), p99 = 0;
            for (var b = 0; b < counts.Length && seen < rank; b++)
            {
                seen += counts[b];
                p99 = b + 1;
            }
            rows.Add(new()
            {
                ["t_s"] = Math.Round((window - fromMicros / WindowMicros) * WindowMicros / 1e6, 2),
                ["deliveries"] = total,
                ["p99_ms"] = p99,
                ["max_ms"] = max,
            });
        }
        return rows;
    }
}
