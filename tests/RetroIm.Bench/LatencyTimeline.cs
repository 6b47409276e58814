using System.Collections.Concurrent;

namespace RetroIm.Bench;

/// <summary>
/// Latency by when each message was sent: a coarse <see cref="LatencyHistogram"/> (1 ms buckets, the last one for a
/// second or more) per <see cref="WindowMicros"/> of send time. A phase's p99 alone cannot tell a tail spread over the
/// whole run from a few slow windows (a burst of work on one side: a collection, Redis growing its memory); the
/// per-window figures can. Cheap to record from many threads and to merge across load-generator processes (sparse
/// [window, bucket, count]).
/// </summary>
internal sealed class LatencyTimeline
{
    public const long WindowMicros = 250_000;
    private readonly ConcurrentDictionary<long, LatencyHistogram> _windows = new();

    public void Record(long sentMicros, long latencyMicros) => Window(sentMicros / WindowMicros).Record(latencyMicros);

    public List<long[]> ToSparse()
    {
        var list = new List<long[]>();
        foreach (var (window, histogram) in _windows)
        {
            foreach (var pair in histogram.ToSparse()) list.Add([window, pair[0], pair[1]]);
        }
        return list;
    }

    public void AddSparse(IEnumerable<long[]> triples)
    {
        foreach (var t in triples) Window(t[0]).AddSparse([[t[1], t[2]]]);
    }

    public void Clear() => _windows.Clear();

    /// <summary>
    /// One row per window, in send order: its start in seconds after <paramref name="fromMicros"/> (the window holding
    /// it starts at 0; a straggler of an earlier phase would show before), deliveries, and p99 and max in milliseconds
    /// (upper bucket edges, whole milliseconds).
    /// </summary>
    public List<Dictionary<string, object?>> Rows(long fromMicros) =>
        _windows.OrderBy(w => w.Key).Select(w => new Dictionary<string, object?>
        {
            ["t_s"] = Math.Round((w.Key - fromMicros / WindowMicros) * WindowMicros / 1e6, 2),
            ["deliveries"] = w.Value.Count,
            ["p99_ms"] = w.Value.PercentileMs(99),
            ["max_ms"] = w.Value.MaxMs(),
        }).ToList();

    private LatencyHistogram Window(long window) => _windows.GetOrAdd(window, static _ => new LatencyHistogram(bucketMicros: 1000, buckets: 1024));
}
