using System.Diagnostics.Metrics;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Diagnostics;

/// <summary>
/// Turns this node's <see cref="RelayMetrics"/> counters into the <see cref="NodeStats"/> the heartbeat publishes.
/// It listens to the same instruments /metrics exports (of this host's meter only: several nodes may share a process in
/// tests), so the hot path counts once and the two views never disagree. Rates cover the time since the last call.
/// </summary>
internal sealed class NodeStatsCollector : IDisposable
{
    private readonly LocalIndex _index;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener = new();
    private readonly Total _messagesOut = new();
    private readonly Total _bytesOut = new();
    private readonly Total _messagesIn = new();
    private readonly Total _bytesIn = new();
    private readonly Total _queueDrops = new();
    private readonly Lock _lock = new();
    private Sample _last;

    public NodeStatsCollector(RelayMetrics metrics, LocalIndex index, TimeProvider time)
    {
        _index = index;
        _time = time;
        var totals = new Dictionary<string, Total>(StringComparer.Ordinal)
        {
            ["retroim.relay.messages_out"] = _messagesOut,
            ["retroim.relay.bytes_out"] = _bytesOut,
            ["retroim.relay.messages_in"] = _messagesIn,
            ["retroim.relay.bytes_in"] = _bytesIn,
            ["retroim.relay.queue_drops"] = _queueDrops,
        };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && totals.TryGetValue(instrument.Name, out var total))
            {
                listener.EnableMeasurementEvents(instrument, total);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, _, state) => Interlocked.Add(ref ((Total)state!).Value, value));
        _listener.Start();
        _last = new Sample(time.GetTimestamp(), 0, 0, 0, 0);
    }

    /// <summary>The figures now, with rates over the time since the previous call (or since start).</summary>
    public NodeStats Take()
    {
        var now = new Sample(_time.GetTimestamp(), Read(_messagesOut), Read(_bytesOut), Read(_messagesIn), Read(_bytesIn));
        Sample last;
        lock (_lock)
        {
            last = _last;
            _last = now;
        }
        var seconds = _time.GetElapsedTime(last.Timestamp, now.Timestamp).TotalSeconds;
        return new NodeStats(
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            _index.ClientCount,
            _index.ChanCount,
            Rate(now.MessagesOut - last.MessagesOut, seconds),
            Rate(now.MessagesIn - last.MessagesIn, seconds),
            Rate(now.BytesOut - last.BytesOut, seconds),
            Rate(now.BytesIn - last.BytesIn, seconds),
            Read(_queueDrops),
            now.MessagesOut,
            now.MessagesIn);
    }

    public void Dispose() => _listener.Dispose();

    private static long Read(Total total) => Volatile.Read(ref total.Value);

    // Two decimals are plenty for a dashboard and keep the stored JSON short.
    private static double Rate(long delta, double seconds) => seconds <= 0 ? 0 : Math.Round(delta / seconds, 2);

    private sealed class Total
    {
        public long Value;
    }

    private readonly record struct Sample(long Timestamp, long MessagesOut, long BytesOut, long MessagesIn, long BytesIn);
}
