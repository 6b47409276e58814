using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    /// <summary>Receipted direct messages sent here that the client may acknowledge; bounded, oldest dropped first.</summary>
    private const int MaxAckable = 256;

    private RecoveryGate? _recovery;
    private AckableMessages? _ackable;

    /// <summary>Runs the catch-up when a live frame reveals lost messages; set before the connection is indexed.</summary>
    public StreamRecovery? Recovery { get; set; }

    /// <summary>
    /// Starts holding positioned frames until the welcome positions are known (and a replay, if the client presented
    /// positions, is done); called before the connection is indexed, so no live frame can overtake them.
    /// </summary>
    public void BeginRecovery(int holdLimit) => Volatile.Write(ref _recovery, new RecoveryGate(holdLimit));

    /// <summary>The gate of this connection (null only before <see cref="BeginRecovery"/>).</summary>
    public RecoveryGate? Gate => Volatile.Read(ref _recovery);

    /// <summary>
    /// Queues a frame that has a position in <paramref name="stream"/>: as <see cref="TrySend"/>, but the gate holds it
    /// during a replay or catch-up, drops it when that offset was sent already, and starts a catch-up when it skips
    /// offsets (the backplane lost messages).
    /// </summary>
    public bool TrySendPositioned(in OutFrame frame, string stream, string epoch, long offset, SendBatch? batch = null)
    {
        if (frame.Receipt is { } receipt) RememberAckable(offset, receipt, frame.Slot);
        var gate = Volatile.Read(ref _recovery);
        if (gate is null) return TrySend(frame, batch);
        switch (gate.Admit(frame, stream, epoch, offset))
        {
            case RecoveryGate.Verdict.Held:
                return true;
            case RecoveryGate.Verdict.Gap:
                Recovery?.CatchUpInBackground(this);
                return true;
            case RecoveryGate.Verdict.Duplicate:
                // The client has it (replayed): for a receipt that counts as written.
                frame.Receipt?.Complete(frame.Slot, true);
                return true;
            case RecoveryGate.Verdict.Overflow:
                if (Close(ImCloseCodes.TryAgainLater, "slow consumer: too much arrived during recovery"))
                {
                    _metrics.QueueDrop();
                    RelayLog.SlowConsumer(_logger, ConnectionId, ClientId);
                }
                return false;
            default:
                return TrySend(frame, batch);
        }
    }

    /// <summary>Queues a replayed frame, waiting for room (the replay may be longer than the queue).</summary>
    public async ValueTask EnqueueReplayAsync(byte[] frame, string stream, string epoch, long offset, CancellationToken cancellationToken)
    {
        await SendInOrderAsync(new OutFrame(frame), gather: true, cancellationToken);
        _recovery?.Replayed(stream, epoch, offset);
    }

    /// <summary>Queues a recovery control frame (recovered / recover_failed) in order with the replay, and writes what gathered.</summary>
    public ValueTask EnqueueInOrderAsync(byte[] frame, CancellationToken cancellationToken) =>
        SendInOrderAsync(new OutFrame(frame), gather: false, cancellationToken);

    /// <summary>
    /// Releases the frames held during the replay or catch-up, behind it. Returns false (with nothing left held back
    /// wrongly) when another catch-up round must read first: a held frame skips offsets, or a catch-up was requested.
    /// </summary>
    public async Task<bool> EndRecoveryAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _recovery) is not { } gate) return true;
        var duplicates = new List<OutFrame>();
        while (true)
        {
            var release = gate.Release(duplicates, out var more);
            foreach (var dropped in duplicates) dropped.Receipt?.Complete(dropped.Slot, true);
            duplicates.Clear();
            for (var i = 0; i < release.Count; i++)
            {
                try
                {
                    await SendInOrderAsync(release[i], gather: true, cancellationToken);
                }
                catch
                {
                    // Never written: tell the receipts of this frame and of the ones behind it.
                    for (var j = i; j < release.Count; j++) release[j].Receipt?.Complete(release[j].Slot, false);
                    throw;
                }
            }
            // What gathered goes out before the next read (or for good).
            if (_queue is null && (more || release.Count == 0)) await WritePendingAsync(cancellationToken);
            if (more) return false;
            if (release.Count == 0) return true;
        }
    }

    /// <summary>
    /// <c>{"type":"ack","stream":"c:{clientId}","offset":N}</c>: the client acknowledges a direct message. When it was
    /// sent with a receipt, the sender's receipt hears of it; acknowledging anything else is allowed and ignored.
    /// </summary>
    private void HandleAck(ReadOnlySpan<byte> frame)
    {
        if (!AckFrame.TryRead(frame, out var stream, out var offset))
        {
            RelayLog.BadClientFrame(_logger, ConnectionId, "bad ack");
            TrySend(new OutFrame(ClientFrames.Error(ImErrorCodes.BadJson, "an ack needs a string \"stream\" and an integer \"offset\"")));
            return;
        }
        if (!string.Equals(stream, Im.ImStreams.Client(ClientId), StringComparison.Ordinal)) return;
        var ackable = Volatile.Read(ref _ackable);
        if (ackable is not null && ackable.TryTake(offset, out var receipt, out var slot)) receipt.Acked(slot);
    }

    private void RememberAckable(long offset, Routing.ReceiptTracker receipt, int slot)
    {
        var ackable = Volatile.Read(ref _ackable);
        if (ackable is null)
        {
            ackable = new AckableMessages(MaxAckable);
            ackable = Interlocked.CompareExchange(ref _ackable, ackable, null) ?? ackable;
        }
        ackable.Add(offset, receipt, slot);
    }
}
