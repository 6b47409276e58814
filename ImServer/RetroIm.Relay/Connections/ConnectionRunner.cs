using System.Buffers.Text;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Im.Rights;
using RetroIm.Relay.Commands;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Hosting;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Runs one accepted WebSocket from registration to removal. It takes a socket and a redeemed ticket, not an
/// HttpContext, so the relay's own listener and the HTTP endpoint share it.
/// </summary>
internal sealed class ConnectionRunner(
    RelayNode node,
    RelayPresence presence,
    ConnectionTracker tracker,
    IOptions<ImRelayOptions> options,
    TimeProvider time,
    RelayMetrics metrics,
    ClientCommandHandler commands,
    StreamRecovery recovery,
    ILogger<RelayConnection> logger)
{
    /// <param name="recover">The connect URL's <c>recover</c> parameter, when the client presents positions (see <see cref="StreamRecovery"/>).</param>
    public Task RunAsync(WebSocket socket, ConnectTicket ticket, CancellationToken cancellationToken, string? recover = null)
    {
        var settings = options.Value;
        return RunAsync(new RelayConnection(socket, NewRegistration(ticket), settings.MaxFrameBytes, settings.SendQueueLimit, time, metrics, logger), ticket, recover, cancellationToken);
    }

    /// <summary>
    /// Runs a socket the relay accepted and upgraded itself (<see cref="Transport.RelayListener"/>): it speaks the
    /// WebSocket protocol on the bare socket, and closes the socket when done, so the caller need not wait (nothing
    /// per connection waits for it but the connection's own loop). Nothing cancels it from outside: it ends when the
    /// socket does. The task never fails.
    /// </summary>
    /// <param name="output">The socket's writer, which already wrote the 101.</param>
    public Task RunAsync(System.Net.Sockets.Socket socket, Transport.FrameOutput output, ConnectTicket ticket, string? recover)
    {
        var settings = options.Value;
        // A peer that vanishes while the node writes to it is then found as soon as a silent one (PING, then its
        // timeout), and the keep-alive sweep skips the PINGs of sockets it writes to.
        if (settings.EffectiveKeepAliveTimeout != Timeout.InfiniteTimeSpan) output.WatchWrites(settings.KeepAliveInterval + settings.KeepAliveTimeout);
        return RunAsync(new RelayConnection(socket, output, NewRegistration(ticket), settings.MaxFrameBytes, settings.SendQueueLimit, time, metrics, logger), ticket, recover, CancellationToken.None);
    }

    private ConnectionRegistration NewRegistration(ConnectTicket ticket)
    {
        var nodeId = node.Id ?? throw new InvalidOperationException("The relay node has not started.");
        return new ConnectionRegistration(nodeId, ticket.ClientId, NewConnectionId(), ticket.Metadata);
    }

    private async Task RunAsync(RelayConnection connection, ConnectTicket ticket, string? recover, CancellationToken cancellationToken)
    {
        var nodeId = connection.Registration.NodeId;
        var settings = options.Value;
        tracker.Enter();
        metrics.Connected();
        try
        {
            connection.Rights = ClientRightSet.From(ticket.Rights);
            connection.Commands = commands;
            connection.LimitFrameRate(settings.FramesPerSecond, settings.FrameBurst);
            connection.LimitControlFrameRate(settings.ControlFramesPerSecond, settings.ControlFrameBurst);
            // Before registration, so no live message can overtake the welcome positions or the replay.
            var positions = recovery.Prepare(connection, recover, settings.SendQueueLimit, out var refused);
            if (refused is not null) connection.TrySend(new OutFrame(refused));
            IReadOnlyList<string> chans;
            try
            {
                chans = await presence.RegisterAsync(connection, cancellationToken);
            }
            catch (Exception e)
            {
                RelayLog.RegisterFailed(logger, connection.ConnectionId, connection.ClientId, e);
                await connection.RefuseAsync((int)WebSocketCloseStatus.InternalServerError, "backplane unavailable, reconnect later");
                return;
            }
            // A drain that began while this connection registered has not seen it: close it like the others.
            if (node.Stopping) connection.Close(ImCloseCodes.ServiceRestart, "server restart");
            RelayLog.Connected(logger, connection.ConnectionId, connection.ClientId);
            // After the channel subscriptions, so a message published after a position was read arrives live.
            var welcome = await recovery.WelcomeAsync(connection, chans, positions, nodeId, cancellationToken);
            // The welcome is the connection's first frame: before any replay.
            await connection.StartAsync(welcome, cancellationToken);
            recovery.RunInBackground(connection, positions, cancellationToken);
            await connection.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The HTTP request ended (the client went away) before the welcome went out.
        }
        catch (Exception e)
        {
            // The backplane failing while the welcome is read, say: the client reconnects and recovers what it missed.
            RelayLog.RunFailed(logger, connection.ConnectionId, connection.ClientId, e);
            connection.Abort();
        }
        finally
        {
            await presence.UnregisterAsync(connection);
            metrics.Disconnected();
            RelayLog.Disconnected(logger, connection.ConnectionId, connection.ClientId, connection.CloseStatus);
            tracker.Exit();
            connection.ReleaseTransport();
        }
    }

    private static string NewConnectionId()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
