using System.Runtime.InteropServices;
using RetroIm.Im;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Relay.Routing;

/// <summary>
/// Channel messages and broadcasts that arrive together go to each member together. Consecutive messages for the same
/// audience (one channel, or everyone) are held until the backplane has delivered every packet that had arrived
/// (<see cref="RetroIm.Im.Backplane.IImBackplane.BurstDelivered"/>), then sent member by member: each member's frames
/// join one send of the <see cref="SendBatch"/> (<see cref="SendBatch.TryAppend"/>). A node keeping up gets one
/// message per read and sends it at once as before; a node that fell behind a fast publisher finds several waiting
/// and writes them with one system call per member instead of one per message, so it catches up instead of falling
/// further behind (the load that made it fall behind is what it saves).
/// </summary>
/// <remarks>
/// Only the backplane's dispatch loop touches what is held. Any other packet (a direct message, a join, a kick…) first
/// sends what is held, so every connection still gets frames in the order they were published.
/// </remarks>
internal sealed partial class RelayDispatcher
{
    // The most messages held for one audience before they go out anyway (a burst's frames for one member stay under
    // SendBatch's coalescing limit, and a long burst is not held back longer than it takes to read a few).
    private const int MaxHeld = 64;

    private readonly List<HeldFrame> _held = [];

    // The audience of what is held: a channel, or null for every connection.
    private string? _heldChan;

    /// <summary>Holds a frame for <paramref name="chan"/>'s members (null: every connection), after what is held for them.</summary>
    private void Hold(string? chan, in HeldFrame frame, SendBatch? sends)
    {
        if (_held.Count > 0 && !string.Equals(_heldChan, chan, StringComparison.Ordinal)) SendHeld(sends);
        _heldChan = chan;
        _held.Add(frame);
        if (_held.Count >= MaxHeld) SendHeld(sends);
    }

    /// <summary>Sends what is held to every connection of its audience, each connection's frames one after another.</summary>
    private void SendHeld(SendBatch? sends)
    {
        if (_held.Count == 0) return;
        try
        {
            var connections = _heldChan is { } chan ? _index.GetChanConnections(chan) : _index.GetAllConnections();
            var frames = CollectionsMarshal.AsSpan(_held);
            foreach (var connection in connections)
            {
                foreach (ref readonly var held in frames)
                {
                    if (held.Stream is { } stream) connection.TrySendPositioned(held.Frame, stream, held.Epoch!, held.Offset, sends);
                    else connection.TrySend(held.Frame, sends);
                }
            }
        }
        finally
        {
            _held.Clear();
            _heldChan = null;
        }
    }

    private void OnBurstDelivered()
    {
        if (_held.Count == 0) return;
        var chan = _heldChan;
        try
        {
            using var sends = _batches.Rent();
            SendHeld(sends);
        }
        catch (Exception e)
        {
            RelayLog.DispatchFailed(_logger, chan is null ? ImTopics.All : ChanTopicPrefix + chan, e);
        }
    }

    /// <summary>A held frame; with a position (<paramref name="Stream"/> not null) it goes through the connection's recovery gate.</summary>
    private readonly record struct HeldFrame(OutFrame Frame, string? Stream = null, string? Epoch = null, long Offset = 0);
}
