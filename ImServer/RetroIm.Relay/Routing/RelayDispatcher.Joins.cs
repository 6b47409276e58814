using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Routing;

internal sealed partial class RelayDispatcher
{
    /// <summary>
    /// Reads a channel stream's position for a join, BEFORE the node subscribes the channel: a message published between
    /// the read and the subscription then shows up as a gap behind the announced position and is read back from the
    /// stream (RecoveryGate), while one published before the read was published before the join. Null without Redis
    /// (the join just has no position). Never throws.
    /// </summary>
    internal async Task<StreamPosition?> ReadJoinPositionAsync(string chan)
    {
        try
        {
            return (await _backplane.GetStreamPositionsAsync([ImStreams.Chan(chan)]))[0];
        }
        catch (Exception e)
        {
            RecoveryLog.JoinPositionFailed(_logger, chan, e);
            return null;
        }
    }

    /// <summary>
    /// Tells the joined local connections the channel's position, <c>{"type":"joined","chan":…,"pos":{…}}</c>, so a
    /// client that disconnects before the channel's next message still recovers it (README "Delivery guarantees").
    /// A connection that already tracks the stream (its own join was announced first) is left alone.
    /// </summary>
    internal void AnnounceJoin(string chan, StreamPosition position, IReadOnlyList<string> clientIds)
    {
        var stream = ImStreams.Chan(chan);
        var frame = RecoveryFrames.Joined(chan, stream, position.Epoch, position.Offset);
        foreach (var clientId in clientIds)
        {
            foreach (var connection in _index.GetClientConnections(clientId))
            {
                if (connection.Gate is { } gate && !gate.Announce(stream, position.Epoch, position.Offset)) continue;
                connection.TrySend(new OutFrame(frame));
            }
        }
    }
}
