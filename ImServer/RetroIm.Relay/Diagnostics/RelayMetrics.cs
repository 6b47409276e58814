using System.Diagnostics.Metrics;

namespace RetroIm.Relay.Diagnostics;

/// <summary>
/// The relay's counters on the <c>RetroIm.Relay</c> meter (dotnet-counters, OpenTelemetry): open connections, connects,
/// refusals by reason, frames written, and slow-consumer closes. Adding to an instrument nobody listens to costs
/// next to nothing, so the hot path may count every frame.
/// </summary>
internal sealed class RelayMetrics
{
    public const string MeterName = "RetroIm.Relay";

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _connects;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _messagesOut;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _batchedSends;
    private readonly Counter<long> _sendBatches;
    private readonly Counter<long> _coalescedFrames;
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _queueDrops;
    private readonly Counter<long> _forbidden;
    private readonly Counter<long> _clientEvents;
    private readonly Counter<long> _limitsExceeded;
    private readonly Counter<long> _recoveries;
    private readonly Counter<long> _recoveredMessages;
    private readonly Counter<long> _recoveryReadRetries;

    public RelayMetrics(IMeterFactory meterFactory)
    {
        var meter = Meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("retroim.relay.connections", "{connection}", "Open client connections");
        _connects = meter.CreateCounter<long>("retroim.relay.connects", "{connection}", "Accepted connections");
        _refusals = meter.CreateCounter<long>("retroim.relay.refusals", "{request}", "Connect requests refused, by reason");
        _messagesOut = meter.CreateCounter<long>("retroim.relay.messages_out", "{frame}", "Frames written to client sockets");
        _bytesOut = meter.CreateCounter<long>("retroim.relay.bytes_out", "By", "Bytes of frames written to client sockets");
        _batchedSends = meter.CreateCounter<long>("retroim.relay.batched_sends", "{frame}",
            "Frames handed to the kernel in batches (io_uring), a share of messages_out");
        _sendBatches = meter.CreateCounter<long>("retroim.relay.send_batches", "{call}", "System calls that carried batched frames");
        _coalescedFrames = meter.CreateCounter<long>("retroim.relay.coalesced_frames", "{frame}",
            "Batched frames that went to the kernel in the same send as an earlier frame to the same connection (a burst that arrived together)");
        _messagesIn = meter.CreateCounter<long>("retroim.relay.messages_in", "{frame}", "Text frames received from client sockets");
        _bytesIn = meter.CreateCounter<long>("retroim.relay.bytes_in", "By", "Bytes of text frames received from client sockets");
        _queueDrops = meter.CreateCounter<long>("retroim.relay.queue_drops", "{connection}", "Connections closed as slow consumers");
        _forbidden = meter.CreateCounter<long>("retroim.relay.forbidden", "{frame}", "Client frames refused for lack of a right, by kind: event, join, leave, publish");
        _clientEvents = meter.CreateCounter<long>("retroim.relay.client_events", "{event}", "Client events appended to the business's stream");
        _limitsExceeded = meter.CreateCounter<long>("retroim.relay.limits_exceeded", "{event}",
            "Over-limit events, by limit: connect_rate, frame_rate, frame_size, channels");
        _recoveries = meter.CreateCounter<long>("retroim.relay.recoveries", "{stream}",
            "Streams a reconnecting client asked to recover, by result: recovered, expired, epoch_changed, not_member, unavailable, invalid");
        _recoveredMessages = meter.CreateCounter<long>("retroim.relay.recovered_messages", "{frame}", "Missed messages replayed to reconnecting clients");
        _recoveryReadRetries = meter.CreateCounter<long>("retroim.relay.recovery_read_retries", "{read}",
            "History reads (a reconnecting client's position, or a catch-up) tried again because Redis did not answer the one before");
    }

    /// <summary>This node's meter (one per host): node stats listen to its instruments only.</summary>
    public Meter Meter { get; }

    public void Connected()
    {
        _connections.Add(1);
        _connects.Add(1);
    }

    public void Disconnected() => _connections.Add(-1);

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void MessageOut(int bytes)
    {
        _messagesOut.Add(1);
        _bytesOut.Add(bytes);
    }

    /// <summary>
    /// One system call handed the kernel <paramref name="frames"/> frames of a fan-out (<paramref name="bytes"/> of
    /// payload) in <paramref name="sends"/> sends: counted here once, not per frame, as written (messages_out,
    /// bytes_out), as batched, and beyond one per send as coalesced.
    /// </summary>
    public void BatchSent(int frames, int sends, long bytes)
    {
        _messagesOut.Add(frames);
        _bytesOut.Add(bytes);
        _batchedSends.Add(frames);
        _sendBatches.Add(1);
        if (frames > sends) _coalescedFrames.Add(frames - sends);
    }

    public void MessageIn(int bytes)
    {
        _messagesIn.Add(1);
        _bytesIn.Add(bytes);
    }

    public void QueueDrop() => _queueDrops.Add(1);

    /// <summary>A client frame of <paramref name="kind"/> (event, join, leave, publish) was refused: no right.</summary>
    public void Forbidden(string kind) => _forbidden.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void ClientEvent() => _clientEvents.Add(1);

    /// <summary>A client went over <paramref name="limit"/> (connect_rate, frame_rate, frame_size or channels).</summary>
    public void LimitExceeded(string limit) => _limitsExceeded.Add(1, new KeyValuePair<string, object?>("limit", limit));

    /// <summary>One stream of a recovery ended with <paramref name="result"/> (recovered, expired, …), replaying <paramref name="replayed"/> messages.</summary>
    public void Recovery(string result, int replayed = 0)
    {
        _recoveries.Add(1, new KeyValuePair<string, object?>("result", result));
        if (replayed > 0) _recoveredMessages.Add(replayed);
    }

    /// <summary>A history read (a presented position, or a catch-up) is tried again (Redis did not answer the one before).</summary>
    public void RecoveryReadRetried() => _recoveryReadRetries.Add(1);
}
