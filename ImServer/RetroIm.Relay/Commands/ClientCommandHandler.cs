using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Commands;

/// <summary>
/// Carries out what a client asked for over its socket, once its rights allowed it: events go to the client-event
/// stream, joins and leaves take the same membership path as <c>ImClient.JoinChanAsync</c>, publishes go to the channel
/// with <c>from</c> = the client. Returns the frame to answer with.
/// </summary>
internal sealed class ClientCommandHandler(
    IImBackplane backplane,
    LocalIndex index,
    RelayDispatcher dispatcher,
    RelayMetrics metrics,
    TimeProvider time,
    IOptions<ImRelayOptions> options,
    ILogger<ClientCommandHandler> logger)
{
    public async Task<byte[]?> ExecuteAsync(RelayConnection connection, ClientCommand command, CancellationToken cancellationToken)
    {
        if (!connection.Rights.Allows(ClientCommandReader.VerbOf(command.Kind), command.Target))
        {
            metrics.Forbidden(command.Kind.ToString().ToLowerInvariant());
            ClientCommandLog.Forbidden(logger, connection.ConnectionId, connection.ClientId, command.Kind, command.Target);
            return ClientCommandFrames.Error(ImErrorCodes.Forbidden,
                $"no right {ClientCommandReader.VerbOf(command.Kind)}.{command.Target} for this connection", command.AckId);
        }
        try
        {
            switch (command.Kind)
            {
                case ClientCommandKind.Event:
                    await AppendEventAsync(connection, command, cancellationToken);
                    break;
                case ClientCommandKind.Join:
                case ClientCommandKind.Leave:
                    if (await ChangeMembershipAsync(connection.ClientId, command, cancellationToken) is { } refused) return refused;
                    break;
                case ClientCommandKind.Publish:
                    await PublishAsync(connection.ClientId, command, cancellationToken);
                    break;
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            ClientCommandLog.Failed(logger, command.Kind, command.Target, connection.ConnectionId, e);
            return ClientCommandFrames.Error(ImErrorCodes.Unavailable, "the node could not carry this out now; send it again later", command.AckId);
        }
        return command.AckId is { } ackId ? ClientCommandFrames.Ack(ackId) : null;
    }

    private async Task AppendEventAsync(RelayConnection connection, ClientCommand command, CancellationToken cancellationToken)
    {
        var registration = connection.Registration;
        var clientEvent = new ClientEvent("", command.Target, command.Data, registration.ClientId, registration.ConnectionId,
            registration.NodeId, registration.Metadata, time.GetUtcNow().ToUnixTimeMilliseconds());
        await backplane.AppendClientEventAsync(clientEvent, cancellationToken);
        metrics.ClientEvent();
    }

    /// <remarks>
    /// Membership first, then this node's index and subscription (awaited, so a channel message sent after the ack
    /// reaches this socket), then the packet every node holding the client's other connections acts on (this node
    /// gets it too and finds nothing to change). A join past <c>ImServer:MaxChannelsPerClient</c> is refused by the
    /// backplane atomically with the write — the same check ImHelper's JoinChanAsync uses — and answered with
    /// <see cref="ImErrorCodes.ChannelLimit"/>; the returned error frame is that answer.
    /// </remarks>
    private async Task<byte[]?> ChangeMembershipAsync(string clientId, ClientCommand command, CancellationToken cancellationToken)
    {
        var chan = command.Target;
        var join = command.Kind == ClientCommandKind.Join;
        if (join)
        {
            var limit = options.Value.MaxChannelsPerClient;
            if (await backplane.TryAddChanMembersAsync(chan, [clientId], limit, cancellationToken) is { } refusal)
            {
                metrics.LimitExceeded("channels");
                return ClientCommandFrames.Error(ImErrorCodes.ChannelLimit,
                    $"already in {refusal.Chans} channels, the limit ({limit}): leave one before joining \"{chan}\"", command.AckId);
            }
        }
        else
        {
            await backplane.RemoveChanMembersAsync(chan, [clientId], cancellationToken);
        }
        // The position is read before the subscription and announced before the ack, so a message the business
        // publishes right after the ack is delivered live or read back as a gap — never skipped.
        var position = join ? await dispatcher.ReadJoinPositionAsync(chan) : null;
        var changed = new List<string>(1);
        if (join) index.Join(clientId, chan, changed);
        else index.Leave(clientId, chan, changed);
        if (changed.Count > 0) await dispatcher.Subscriptions.SyncAsync(changed, cancellationToken);
        if (position is { } p) dispatcher.AnnounceJoin(chan, p, [clientId]);
        var packet = RelayPacket.Write(new RelayHeader(join ? RelayPacketKind.Join : RelayPacketKind.Leave, To: [clientId], Chan: chan));
        await backplane.PublishToClientsAsync([clientId], packet, cancellationToken);
        return null;
    }

    private async Task PublishAsync(string clientId, ClientCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = MessageIds.New(now);
        var frame = ClientFrames.Message(id, clientId, command.Target, now.ToUnixTimeMilliseconds(), ClientEventStream.ToUtf8(command.Data));
        // The same path as ImClient.SendChanMessageAsync, so the message gets a position and can be recovered.
        await backplane.PublishChanMessageAsync(command.Target, new RelayHeader(RelayPacketKind.Message, Chan: command.Target, Id: id),
            frame, StreamRetention.Default, cancellationToken);
    }
}
