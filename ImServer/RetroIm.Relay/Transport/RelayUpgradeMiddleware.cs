using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Transport;

/// <summary>
/// A Kestrel connection middleware that answers WebSocket upgrades to the relay path itself, so an upgraded socket
/// runs on the raw transport pipe with no HTTP connection, request or context kept alive under it (the bulk of an
/// idle connection's memory). It peeks at the first bytes without consuming them: anything that is not
/// <c>GET /ws?… HTTP/1.1</c> with <c>Upgrade: websocket</c> — other paths, HTTP/2, TLS, malformed or oversized
/// heads — goes to the HTTP pipeline untouched. Decisions are <see cref="RelayHandshake"/>'s, as on the HTTP path.
/// </summary>
internal sealed class RelayUpgradeMiddleware
{
    /// <summary>A request head longer than this goes to HTTP, which applies Kestrel's own limits to it.</summary>
    public const int MaxHeadBytes = 8192;

    private readonly ConnectionDelegate _next;
    private readonly RelayHandshake _handshake;
    private readonly ConnectionRunner _runner;
    private readonly TimeSpan _headTimeout;
    private readonly byte[] _prefix;
    private readonly ILogger _logger;

    public RelayUpgradeMiddleware(ConnectionDelegate next, RelayHandshake handshake, ConnectionRunner runner,
        TimeSpan headTimeout, string path, ILogger<RelayUpgradeMiddleware> logger)
    {
        if (!path.StartsWith('/') || path.Contains('?', StringComparison.Ordinal) || path.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException("The relay path must start with '/' and hold no query or spaces.", nameof(path));
        }
        _next = next;
        _handshake = handshake;
        _runner = runner;
        _headTimeout = headTimeout;
        _prefix = Encoding.ASCII.GetBytes("GET " + path);
        _logger = logger;
    }

    /// <summary>The keep-alive PONG timeout both transports use: off (infinite) unless PINGs are on too.</summary>
    public static TimeSpan KeepAliveTimeout(ImRelayOptions settings) =>
        settings.KeepAliveTimeout > TimeSpan.Zero && settings.KeepAliveInterval > TimeSpan.Zero
            ? settings.KeepAliveTimeout
            : Timeout.InfiniteTimeSpan;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        UpgradeHead? head;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(_headTimeout);
            try
            {
                head = await ReadHeadAsync(connection, timeout.Token);
            }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
            {
                TransportLog.HeadTimeout(_logger, connection.ConnectionId);
                HandshakeResponses.WriteTimeout(connection.Transport.Output);
                await connection.Transport.Output.FlushAsync();
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (head is null)
        {
            await _next(connection);
            return;
        }
        // The upgrade runs in this method, not one of its own: every level of awaiting method is an object each idle
        // connection keeps.
        try
        {
            var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            var decision = await _handshake.DecideAsync(new HandshakeInput(remote, head.Origin, head.IsWebSocketRequest, head.Token), connection.ConnectionClosed);
            var output = connection.Transport.Output;
            if (decision.Ticket is not { } ticket)
            {
                HandshakeResponses.WriteRefusal(output, decision);
                await output.FlushAsync(connection.ConnectionClosed);
                return;
            }
            // From the 101 on, every byte goes out through one FrameOutput: straight to the socket when the transport
            // exposes it (one send call per flush, made by the writer itself), else through the pipe. The relay speaks the
            // WebSocket protocol itself (RelayConnection.Pipe): frames are read from the transport's input pipe, and its
            // text, control and close frames share the FrameOutput's one lock, so they never interleave. No keep-alive
            // timer per socket either: the node's one sweep sends PINGs after silence and aborts sockets that leave them
            // unanswered (RelayConnection.KeepAlive).
            // Only an unwrapped transport: behind TLS (UseImRelay placed after UseHttps) the socket carries ciphertext.
            var raw = connection.Features.Get<ITlsHandshakeFeature>() is null ? connection.Features.Get<IConnectionSocketFeature>()?.Socket : null;
            var frames = raw is not null ? new FrameOutput(raw) : new FrameOutput(output);
            await frames.WriteLockedAsync(HandshakeResponses.SwitchingProtocols(head.Key), connection.ConnectionClosed);
            var recover = head.Recover;
            head = null;
            await _runner.RunAsync(connection, frames, ticket, recover, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionAbortedException or ConnectionResetException)
        {
            TransportLog.UpgradeFailed(_logger, connection.ConnectionId, e.Message);
        }
    }

    /// <summary>The upgrade head (consumed), or null with nothing consumed when the connection is HTTP's.</summary>
    private async Task<UpgradeHead?> ReadHeadAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var kind = UpgradeHeadParser.Parse(buffer, _prefix, MaxHeadBytes, out var head, out var headLength);
            if (kind == HeadKind.Ours)
            {
                // Bytes after the head (a client that did not wait for the 101) stay in the pipe for the WebSocket.
                input.AdvanceTo(buffer.GetPosition(headLength));
                return head;
            }
            if (kind == HeadKind.NotOurs || result.IsCompleted || result.IsCanceled)
            {
                // Examined nothing either: HTTP's first read must see these bytes at once.
                input.AdvanceTo(buffer.Start);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
