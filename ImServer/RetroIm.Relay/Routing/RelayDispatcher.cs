using System.Text.Json;
using Microsoft.Extensions.Logging;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Hosting;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Relay.Routing;

/// <summary>
/// Handles the packets this node receives on its inbox, on <see cref="ImTopics.All"/> and on the channel topics it
/// holds members of. It runs on the backplane's dispatch loop and never waits there: a frame goes to the kernel at once
/// when its socket is free (the frames of one packet or batch together, through a <see cref="SendBatch"/> when the
/// system has io_uring), else it queues behind what that socket is sending; receipts are published off the loop.
/// Channel messages and broadcasts that arrived together go to each member in one send (RelayDispatcher.Bursts.cs).
/// </summary>
internal sealed partial class RelayDispatcher
{
    private const string ChanTopicPrefix = "im:chan:";

    private readonly IImBackplane _backplane;
    private readonly LocalIndex _index;
    private readonly RelayNode _node;
    private readonly RelayDrain _drain;
    private readonly SendBatchPool _batches;
    private readonly ILogger<RelayDispatcher> _logger;

    public RelayDispatcher(IImBackplane backplane, LocalIndex index, RelayNode node, RelayDrain drain, SendBatchPool batches, ILogger<RelayDispatcher> logger)
    {
        _backplane = backplane;
        _index = index;
        _node = node;
        _drain = drain;
        _batches = batches;
        _logger = logger;
        Handler = OnPacket;
        BatchHandler = OnBatch;
        Subscriptions = new ChanSubscriptions(backplane, index, Handler, logger);
        backplane.BurstDelivered += OnBurstDelivered;
    }

    /// <summary>The one handler every topic of this node is subscribed with.</summary>
    public BackplaneHandler Handler { get; }

    /// <summary>The handler of the node's batch topic (<see cref="ImTopics.NodeBatch"/>): each packet as if on its inbox.</summary>
    public BackplaneHandler BatchHandler { get; }

    public ChanSubscriptions Subscriptions { get; }

    private void OnBatch(string topic, ReadOnlyMemory<byte> payload)
    {
        // One send batch for every packet of the batch: their frames reach the kernel together.
        using var sends = _batches.Rent();
        // OnPacket contains every failure of one packet; a malformed batch loses what follows the bad entry.
        if (!RelayBatch.TryForEach(payload, (Dispatcher: this, Topic: topic, Sends: sends), static (state, packet) => state.Dispatcher.Dispatch(state.Topic, packet, state.Sends)))
        {
            RelayLog.BadPacket(_logger, topic, "malformed batch");
        }
    }

    private void OnPacket(string topic, ReadOnlyMemory<byte> payload)
    {
        using var sends = _batches.Rent();
        Dispatch(topic, payload, sends);
    }

    /// <summary>Handles one packet; the frames it sends join <paramref name="sends"/> when there is one (the caller flushes it).</summary>
    private void Dispatch(string topic, ReadOnlyMemory<byte> payload, SendBatch? sends)
    {
        try
        {
            if (!RelayPacket.TryRead(payload, out var header, out var body))
            {
                RelayLog.BadPacket(_logger, topic, "not a relay packet");
                return;
            }
            // Only channel messages and broadcasts are held (RelayDispatcher.Bursts.cs): what is held goes first.
            if (header!.Kind != RelayPacketKind.Message || header.To is not null) SendHeld(sends);
            switch (header.Kind)
            {
                case RelayPacketKind.Message:
                    DispatchMessage(topic, header, body, sends);
                    break;
                case RelayPacketKind.Join:
                case RelayPacketKind.Leave:
                    ChangeMembership(topic, header);
                    break;
                case RelayPacketKind.Kick:
                    Kick(topic, header);
                    break;
                case RelayPacketKind.Grant:
                case RelayPacketKind.Revoke:
                    ChangeRights(topic, header, body);
                    break;
                case RelayPacketKind.Drain:
                    RelayDrainLog.DrainRequested(_logger);
                    _drain.Request();
                    break;
                default:
                    RelayLog.BadPacket(_logger, topic, "unknown kind");
                    break;
            }
        }
        catch (Exception e)
        {
            // Never let one bad packet take down the backplane's dispatch loop.
            RelayLog.DispatchFailed(_logger, topic, e);
        }
    }

    private void DispatchMessage(string topic, RelayHeader header, ReadOnlyMemory<byte> body, SendBatch? sends)
    {
        if (body.IsEmpty)
        {
            RelayLog.BadPacket(_logger, topic, "message without a body");
            return;
        }
        var positioned = header.Epochs is { } epochs && header.Offsets is { } offsets && epochs.Count == offsets.Count
            && body.Span.StartsWith(FramePositions.MessagePrefix);
        if (header.To is { } to)
        {
            if (positioned && header.Epochs!.Count == to.Count) SendPositionedToClients(to, body.Span, header, sends);
            else SendToClients(to, body.ToArray(), header, sends);
            return;
        }
        // The audience: a channel, or every connection (null) for a broadcast.
        var chan = topic == ImTopics.All ? null : header.Chan ?? ChanOf(topic);
        if (chan is null && topic != ImTopics.All)
        {
            RelayLog.BadPacket(_logger, topic, "message with neither receivers nor channel");
            return;
        }
        if (positioned && header.Epochs!.Count == 1 && chan is not null)
        {
            // A channel message has one position for every member: splice once, share the copy.
            var stream = ImStreams.Chan(chan);
            var offset = header.Offsets![0];
            var spliced = new OutFrame(FramePositions.Splice(body.Span, stream, header.Epochs[0], offset));
            Hold(chan, new HeldFrame(spliced, stream, header.Epochs[0], offset), sends);
            return;
        }
        // One copy per packet, shared by every recipient's queue: the payload is only valid during this call.
        Hold(chan, new HeldFrame(new OutFrame(body.ToArray())), sends);
    }

    private void SendToClients(IReadOnlyList<string> to, byte[] frame, RelayHeader header, SendBatch? sends)
    {
        var receipt = header.ReceiptTopic is { } receiptTopic && header.Id is { } id
            ? new ReceiptTracker(id, _node.Id ?? "", to, report => PublishReceipt(receiptTopic, report))
            : null;
        for (var slot = 0; slot < to.Count; slot++)
        {
            foreach (var connection in _index.GetClientConnections(to[slot]))
            {
                receipt?.Expect();
                if (!connection.TrySend(new OutFrame(frame, receipt, slot), sends)) receipt?.Complete(slot, false);
            }
        }
        receipt?.Seal();
    }

    /// <summary>
    /// A direct message with a position per receiver (<see cref="RelayHeader.Epochs"/>/<see cref="RelayHeader.Offsets"/>
    /// aligned with <c>to</c>): the shared frame has no position, so each receiver held here gets one spliced copy
    /// (<see cref="FramePositions"/>), shared by all its connections; receivers not held here cost nothing.
    /// </summary>
    private void SendPositionedToClients(IReadOnlyList<string> to, ReadOnlySpan<byte> body, RelayHeader header, SendBatch? sends)
    {
        var receipt = header.ReceiptTopic is { } receiptTopic && header.Id is { } id
            ? new ReceiptTracker(id, _node.Id ?? "", to, report => PublishReceipt(receiptTopic, report))
            : null;
        var epochs = header.Epochs!;
        var offsets = header.Offsets!;
        for (var slot = 0; slot < to.Count; slot++)
        {
            var connections = _index.GetClientConnections(to[slot]);
            if (connections.Length == 0) continue;
            var stream = ImStreams.Client(to[slot]);
            var frame = FramePositions.Splice(body, stream, epochs[slot], offsets[slot]);
            foreach (var connection in connections)
            {
                receipt?.Expect();
                if (!connection.TrySendPositioned(new OutFrame(frame, receipt, slot), stream, epochs[slot], offsets[slot], sends)) receipt?.Complete(slot, false);
            }
        }
        receipt?.Seal();
    }

    /// <remarks>
    /// With a receipt topic the node acknowledges once the channel subscription is confirmed, listing the addressed
    /// clients it holds, so a publisher that waits for the acknowledgements knows a channel message sent next reaches them.
    /// </remarks>
    private void ChangeMembership(string topic, RelayHeader header)
    {
        if (header.To is not { } to || header.Chan is not { } chan)
        {
            RelayLog.BadPacket(_logger, topic, "join/leave without receivers or channel");
            return;
        }
        var changed = new List<string>(1);
        var join = header.Kind == RelayPacketKind.Join;
        var local = header.ReceiptTopic is not null && header.Id is not null ? new List<string>(to.Count) : null;
        // A join tells the connections that became members here the channel's position (RelayDispatcher.Joins.cs);
        // clients already members here (a client's own join echoing back) need no second read of it.
        var newcomers = join ? new List<string>(to.Count) : null;
        foreach (var clientId in to)
        {
            var added = false;
            var here = join ? _index.Join(clientId, chan, changed, out added) : _index.Leave(clientId, chan, changed);
            if (here) local?.Add(clientId);
            if (added) newcomers!.Add(clientId);
        }
        if (local is null && newcomers is not { Count: > 0 }) Subscriptions.SyncInBackground(changed);
        else _ = Task.Run(() => AcknowledgeMembershipAsync(changed, header.Id, header.ReceiptTopic, local, chan, newcomers));
    }

    private async Task AcknowledgeMembershipAsync(List<string> changed, string? id, string? receiptTopic, List<string>? local, string chan, List<string>? newcomers)
    {
        try
        {
            var position = newcomers is { Count: > 0 } ? await ReadJoinPositionAsync(chan) : null;
            await Subscriptions.SyncAsync(changed, CancellationToken.None);
            if (position is { } p) AnnounceJoin(chan, p, newcomers!);
            if (id is null || receiptTopic is null || local is null) return;
            var payload = JsonSerializer.SerializeToUtf8Bytes(new ReceiptReport(id, _node.Id ?? "", local), ImJsonContext.Default.ReceiptReport);
            await _backplane.PublishAsync(receiptTopic, payload);
        }
        catch (Exception e)
        {
            RelayLog.ReceiptFailed(_logger, id ?? chan, e);
        }
    }

    private void Kick(string topic, RelayHeader header)
    {
        if (header.To is not { } to)
        {
            RelayLog.BadPacket(_logger, topic, "kick without receivers");
            return;
        }
        foreach (var clientId in to)
        {
            var connections = _index.GetClientConnections(clientId);
            if (connections.Length > 0) RelayLog.Kicked(_logger, clientId, connections.Length);
            foreach (var connection in connections) connection.Close(ImCloseCodes.Kicked, "forced offline");
        }
    }

    private void PublishReceipt(string topic, ReceiptReport report)
    {
        // The last write may complete on the dispatch loop itself (nothing local, or every queue full): go async first.
        _ = Task.Run(async () =>
        {
            try
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(report, ImJsonContext.Default.ReceiptReport);
                await _backplane.PublishAsync(topic, payload);
            }
            catch (Exception e)
            {
                RelayLog.ReceiptFailed(_logger, report.Id, e);
            }
        });
    }

    private static string? ChanOf(string topic) =>
        topic.StartsWith(ChanTopicPrefix, StringComparison.Ordinal) ? topic[ChanTopicPrefix.Length..] : null;
}
