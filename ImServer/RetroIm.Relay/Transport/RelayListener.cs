using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Transport;

/// <summary>
/// One TCP endpoint of the node, accepted by the relay itself rather than by Kestrel: WebSocket upgrades to the relay
/// path are answered here and run on the bare socket (no Kestrel connection, pipes, HTTP request or WebSocket object
/// per connection — the bulk of an idle connection's memory), and every other connection goes to Kestrel unchanged
/// as a socket connection, so <c>/health</c>, <c>/metrics</c>, TLS and anything unusual are served by HTTP as before.
/// </summary>
/// <remarks>
/// <para>
/// A connection is classified from its first bytes, looked at with <c>MSG_PEEK</c> so nothing is consumed until it is
/// known to be ours: anything that is not <c>GET /ws?… HTTP/1.1</c> with <c>Upgrade: websocket</c> (other paths,
/// HTTP/2, TLS, malformed or oversized heads) reaches Kestrel byte for byte. A peek cannot wait for more bytes than the
/// socket holds, so a head that arrives in pieces is looked at again after a pause (1 ms, doubling up to 0.5 s: a
/// segment still on its way is seen within about its round trip, and a client trickling bytes on purpose costs a few
/// wake-ups a second, not a busy loop) until it completes or <see cref="ImRelayOptions.HeadTimeout"/> passes (then 408). Clients send
/// a head in one piece, so this is rare.
/// </para>
/// <para>
/// Kestrel calls <see cref="AcceptAsync"/> for the connections it serves; the relay's own connections are registered
/// and drained by the relay (<see cref="Hosting.RelayNodeService"/> closes them before Kestrel stops).
/// </para>
/// </remarks>
internal sealed class RelayListener : IConnectionListener
{
    /// <summary>A request head longer than this goes to HTTP, which applies Kestrel's own limits to it.</summary>
    public const int MaxHeadBytes = 8192;

    private const int MaxPeekPauseMs = 500;

    private readonly Socket _listenSocket;
    private readonly SocketConnectionContextFactory _http;
    private readonly RelayHandshake _handshake;
    private readonly ConnectionRunner _runner;
    private readonly TimeSpan _headTimeout;
    private readonly bool _noDelay;
    private readonly byte[] _prefix;
    private readonly ILogger _logger;
    private readonly Channel<ConnectionContext> _forHttp = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _accepting;

    public RelayListener(Socket listenSocket, SocketConnectionContextFactory http, RelayHandshake handshake, ConnectionRunner runner,
        TimeSpan headTimeout, bool noDelay, string path, ILogger logger)
    {
        _listenSocket = listenSocket;
        _http = http;
        _handshake = handshake;
        _runner = runner;
        _headTimeout = headTimeout;
        _noDelay = noDelay;
        _prefix = Encoding.ASCII.GetBytes("GET " + path);
        _logger = logger;
        EndPoint = listenSocket.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    /// <summary>The next connection for Kestrel (anything that is not an upgrade to the relay path); null once unbound.</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var reader = _forHttp.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            if (reader.TryRead(out var connection)) return connection;
        }
        return null;
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listenSocket.Dispose();
        await _accepting.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _listenSocket.Dispose();
        await _accepting;
        // Accepted for Kestrel but never taken: nobody else will close them.
        while (_forHttp.Reader.TryRead(out var connection)) await connection.DisposeAsync();
        _http.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listenSocket.AcceptAsync();
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    continue; // gone before it was accepted
                }
                catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
                {
                    // Out of descriptors or buffers: say so, and give the node a moment before trying again.
                    TransportLog.AcceptFailed(_logger, e.SocketErrorCode.ToString());
                    await Task.Delay(100);
                    continue;
                }
                socket.NoDelay = _noDelay;
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Unbound.
        }
        finally
        {
            _forHttp.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Classifies one accepted connection, then upgrades it and starts its run, or hands it to Kestrel. It does not
    /// wait for the run (which closes the socket itself): a method waiting here would be an object every idle
    /// connection keeps.
    /// </summary>
    private async Task ServeAsync(Socket socket)
    {
        var keep = false;
        try
        {
            var head = await ReadHeadAsync(socket);
            if (head is null)
            {
                keep = true; // Kestrel's now, or already closed
                return;
            }
            var decision = await _handshake.DecideAsync(
                new HandshakeInput((socket.RemoteEndPoint as IPEndPoint)?.Address, head.Origin, head.IsWebSocketRequest, head.Token),
                CancellationToken.None);
            if (decision.Ticket is not { } ticket)
            {
                await SendAndCloseAsync(socket, HandshakeResponses.Refusal(decision));
                return;
            }
            var frames = new FrameOutput(socket);
            await frames.WriteLockedAsync(HandshakeResponses.SwitchingProtocols(head.Key), CancellationToken.None);
            _ = _runner.RunAsync(socket, frames, ticket, head.Recover);
            keep = true; // the run closes it
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            TransportLog.ServeFailed(_logger, Describe(socket), e.Message);
        }
        catch (Exception e)
        {
            // Never let one connection's failure go unobserved (it would be lost in a discarded task).
            TransportLog.ConnectionCrashed(_logger, Describe(socket), e);
        }
        finally
        {
            if (!keep) Close(socket);
        }
    }

    /// <summary>
    /// The upgrade head (consumed from the socket), or null when the connection is Kestrel's (handed over with nothing
    /// consumed), timed out (answered 408) or ended.
    /// </summary>
    private async Task<UpgradeHead?> ReadHeadAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(_headTimeout);
        byte[]? buffer = null;
        try
        {
            // No buffer until the client sends something.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token);
            buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
            var pause = 1;
            while (true)
            {
                var peeked = await socket.ReceiveAsync(buffer.AsMemory(0, MaxHeadBytes), SocketFlags.Peek, timeout.Token);
                if (peeked == 0)
                {
                    Close(socket);
                    return null;
                }
                var kind = UpgradeHeadParser.Parse(new ReadOnlySequence<byte>(buffer, 0, peeked), _prefix, MaxHeadBytes, out var head, out var headLength);
                if (kind == HeadKind.Ours)
                {
                    // Bytes after the head (a client that did not wait for the 101) stay in the socket for the frame parser.
                    Consume(socket, buffer, (int)headLength);
                    return head;
                }
                if (kind == HeadKind.NotOurs)
                {
                    var forKestrel = _http.Create(socket);
                    // Unbound meanwhile: Kestrel takes no more connections, so this one ends here.
                    if (!_forHttp.Writer.TryWrite(forKestrel)) await forKestrel.DisposeAsync();
                    return null;
                }
                await Task.Delay(pause, timeout.Token);
                pause = Math.Min(pause * 2, MaxPeekPauseMs);
            }
        }
        catch (OperationCanceledException)
        {
            TransportLog.HeadTimeout(_logger, Describe(socket));
            await SendAndCloseAsync(socket, HandshakeResponses.Timeout);
            return null;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the <paramref name="count"/> bytes a peek just saw (they are in the socket already).</summary>
    private static void Consume(Socket socket, byte[] buffer, int count)
    {
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new IOException("The connection closed during the upgrade.");
            read += n;
        }
    }

    /// <summary>Writes a last answer (a refusal, a 408), then closes the connection.</summary>
    private static async Task SendAndCloseAsync(Socket socket, byte[] response)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var sent = 0;
            while (sent < response.Length) sent += await socket.SendAsync(response.AsMemory(sent), SocketFlags.None, timeout.Token);
            // Bytes the client sent that were only peeked at would make the close a reset, which can destroy the answer
            // before the client reads it: finish sending, then read what is there.
            socket.Shutdown(SocketShutdown.Send);
            var scratch = new byte[1024];
            for (var i = 0; i < MaxHeadBytes / scratch.Length && socket.Available > 0; i++) socket.Receive(scratch);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone or does not read: it will not miss the answer.
        }
        Close(socket);
    }

    /// <summary>Ends a TCP connection the relay accepted: FIN both ways when it can, then the descriptor is closed.</summary>
    internal static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed.
        }
        socket.Dispose();
    }

    private static string Describe(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (ObjectDisposedException)
        {
            return "?";
        }
    }
}
