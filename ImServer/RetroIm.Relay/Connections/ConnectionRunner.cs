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
/// HttpContext, so a ConnectionHandler that answers the upgrade itself can call it unchanged.
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
    /// <param name="output">The socket's transport writer when the relay may write its text frames itself (<see cref="Transport.RelayUpgradeMiddleware"/>).</param>
    public async Task RunAsync(WebSocket socket, ConnectTicket ticket, CancellationToken cancellationToken, string? recover = null, Transport.FrameOutput? output = null)
    {
        var nodeId = node.Id ?? throw new InvalidOperationException("The relay node has not started.");
        var registration = new ConnectionRegistration(nodeId, ticket.ClientId, NewConnectionId(), ticket.Metadata);
        var settings = options.Value;
        var connection = new RelayConnection(socket, registration, settings.MaxFrameBytes, settings.SendQueueLimit, time, metrics, logger, output);
        connection.Rights = ClientRightSet.From(ticket.Rights);
        connection.Commands = commands;
        connection.LimitFrameRate(settings.FramesPerSecond, settings.FrameBurst);
        connection.LimitControlFrameRate(settings.ControlFramesPerSecond, settings.ControlFrameBurst);
        // Before registration, so no live message can overtake the welcome positions or the replay.
        var positions = recovery.Prepare(connection, recover, settings.SendQueueLimit, out var refused);
        if (refused is not null) connection.TrySend(new OutFrame(refused));
        tracker.Enter();
        metrics.Connected();
        try
        {
            IReadOnlyList<string> chans;
            try
            {
                chans = await presence.RegisterAsync(connection, cancellationToken);
            }
            catch (Exception e)
            {
                RelayLog.RegisterFailed(logger, connection.ConnectionId, connection.ClientId, e);
                await CloseQuietlyAsync(socket, WebSocketCloseStatus.InternalServerError, "backplane unavailable, reconnect later");
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
        finally
        {
            await presence.UnregisterAsync(connection);
            metrics.Disconnected();
            RelayLog.Disconnected(logger, connection.ConnectionId, connection.ClientId, connection.CloseStatus);
            tracker.Exit();
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }

    private static string NewConnectionId()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
