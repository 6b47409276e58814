using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay.Connections;

/// <summary>
/// One client WebSocket: its receive loop and the way frames reach the socket. It depends on nothing but the socket and
/// ids, so the same class serves a socket the relay accepted and upgraded itself (<see cref="Transport.RelayListener"/>,
/// written through a <see cref="FrameOutput"/>) and one accepted in the HTTP pipeline or emulated over SSE.
/// </summary>
/// <remarks>
/// <para>
/// With a <see cref="FrameOutput"/> there is no send loop and no queue while the socket keeps up: whoever sends a frame
/// (usually the dispatcher) writes it to the socket itself. Frames wait in a small queue only while another writer holds
/// the socket or the kernel pushed back, and the writer that finishes writes them (<see cref="Pump"/>). Otherwise a
/// bounded channel feeds a send loop, the only writer of that socket.
/// </para>
/// <para>
/// <see cref="Close"/> records the code once; the close frame goes out after the frame being written (queued frames are
/// dropped). The receive loop then waits for the client's close frame. A peer that does not finish the handshake in
/// time is aborted.
/// </para>
/// </remarks>
internal sealed partial class RelayConnection
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    // Null when the relay speaks the protocol itself on the bare socket (RelayConnection.Raw).
    private readonly WebSocket? _socket;
    private readonly int _maxFrameBytes;
    private readonly int _sendQueueLimit;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger _logger;
    private int _closeStatus;
    private string _closeReason = "";
    private long _lastReceiveTimestamp;

    /// <param name="output">The socket's transport writer when the relay frames its text messages itself; null: through the WebSocket.</param>
    public RelayConnection(WebSocket? socket, ConnectionRegistration registration, int maxFrameBytes, int sendQueueLimit,
        TimeProvider time, RelayMetrics metrics, ILogger logger, FrameOutput? output = null)
    {
        _socket = socket;
        Registration = registration;
        _maxFrameBytes = maxFrameBytes;
        _sendQueueLimit = sendQueueLimit;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _lastReceiveTimestamp = time.GetTimestamp();
        if (output is not null)
        {
            _output = output;
            output.Released = Pump;
        }
        else
        {
            _queue = Channel.CreateBounded<OutFrame>(new BoundedChannelOptions(sendQueueLimit)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
                // The dispatcher must never run a send loop's continuation inline.
                AllowSynchronousContinuations = false,
            });
        }
    }

    public ConnectionRegistration Registration { get; }

    public string ClientId => Registration.ClientId;

    public string ConnectionId => Registration.ConnectionId;

    /// <summary>When the client last sent a frame (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastReceiveTimestamp => Volatile.Read(ref _lastReceiveTimestamp);

    /// <summary>The close code asked for first, or 0 while the connection is open.</summary>
    public int CloseStatus => Volatile.Read(ref _closeStatus);

    /// <summary>Presence bookkeeping of <see cref="RelayPresence"/>; guarded by locking this connection.</summary>
    internal PresenceState Presence;

    internal Task? PendingReAdd;

    /// <summary>True while AddConnectionAsync has not answered; guarded by <see cref="Routing.LocalIndex"/>'s lock.</summary>
    internal bool RegistrationPending;

    /// <summary>Asks for the close handshake with <paramref name="code"/>; true when this call started the close.</summary>
    public bool Close(int code, string reason)
    {
        if (Interlocked.CompareExchange(ref _closeStatus, code, 0) != 0) return false;
        _closeReason = reason;
        if (_queue is { } queue)
        {
            // The send loop sends the close frame.
            queue.Writer.TryComplete();
        }
        else
        {
            StartCloseFrame();
            // Queued frames are dropped now (their receipts told), or by the writer that holds the socket.
            Pump();
        }
        _ = AbortAfterHandshakeTimeoutAsync();
        return true;
    }

    /// <summary>Drops the TCP connection without a close handshake (drain deadline, dead peers).</summary>
    public void Abort()
    {
        if (_socket is { } socket) socket.Abort();
        else AbortTransport();
    }

    /// <summary>
    /// Writes <paramref name="welcome"/>, the first frame of the connection; frames sent before it (while the connection
    /// registered) follow it. Call once, before <see cref="RunAsync"/> and before any replay.
    /// </summary>
    public Task StartAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            _sending = SocketSendLoopAsync(welcome, cancellationToken);
            return Task.CompletedTask;
        }
        return WriteWelcomeAsync(welcome, cancellationToken);
    }

    private async Task AbortAfterHandshakeTimeoutAsync()
    {
        await Task.Delay(CloseHandshakeTimeout, _time);
        if (_socket is { } socket ? socket.State != WebSocketState.Closed : !_finished) Abort();
    }

    private static bool IsSocketFailure(Exception e) =>
        e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException;
}
