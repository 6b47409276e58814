using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

/// <summary>
/// One client WebSocket: a receive loop, a send loop and the bounded queue between the node and the socket.
/// It depends on nothing but the socket and ids, so the same class serves a socket accepted in the HTTP pipeline
/// today and one made by <c>WebSocket.CreateFromStream</c> in a Kestrel ConnectionHandler later.
/// </summary>
/// <remarks>
/// Closing always goes through the send loop (the only writer): <see cref="Close"/> records the code, completes the
/// queue, and the send loop sends the close frame; frames still queued are dropped. The receive loop then waits for
/// the client's close frame. A peer that does not finish the handshake in time is aborted.
/// </remarks>
internal sealed partial class RelayConnection
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly Channel<OutFrame> _queue;
    private readonly int _maxFrameBytes;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger _logger;
    private int _closeStatus;
    private string _closeReason = "";
    private long _lastReceiveTimestamp;

    public RelayConnection(WebSocket socket, ConnectionRegistration registration, int maxFrameBytes, int sendQueueLimit,
        TimeProvider time, RelayMetrics metrics, ILogger logger)
    {
        _socket = socket;
        Registration = registration;
        _maxFrameBytes = maxFrameBytes;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _lastReceiveTimestamp = time.GetTimestamp();
        _queue = Channel.CreateBounded<OutFrame>(new BoundedChannelOptions(sendQueueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
            // The dispatcher must never run a send loop's continuation inline.
            AllowSynchronousContinuations = false,
        });
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

    /// <summary>Queues a frame without waiting. A full queue closes the connection as a slow consumer (1013).</summary>
    public bool TrySend(in OutFrame frame)
    {
        if (TryWriteDirect(frame)) return true;
        if (_queue.Writer.TryWrite(frame)) return true;
        if (Close(Im.Protocol.ImCloseCodes.TryAgainLater, "slow consumer: send queue full"))
        {
            _metrics.QueueDrop();
            RelayLog.SlowConsumer(_logger, ConnectionId, ClientId);
        }
        return false;
    }

    /// <summary>Asks the send loop to close with <paramref name="code"/>; true when this call started the close.</summary>
    public bool Close(int code, string reason)
    {
        if (Interlocked.CompareExchange(ref _closeStatus, code, 0) != 0) return false;
        _closeReason = reason;
        _queue.Writer.TryComplete();
        _ = AbortAfterHandshakeTimeoutAsync();
        return true;
    }

    /// <summary>Drops the TCP connection without a close handshake (drain deadline, dead peers).</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Runs both loops until the socket is closed; the send loop writes <paramref name="welcome"/> first.</summary>
    public async Task RunAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        var sending = SendLoopAsync(welcome, cancellationToken);
        try
        {
            await ReceiveLoopAsync(cancellationToken);
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
        }
        finally
        {
            // The client went away (or closed): make the send loop stop; when nobody asked to close yet this echoes
            // the client's own close code.
            var clientStatus = _socket.CloseStatus;
            Close(clientStatus is null or WebSocketCloseStatus.Empty ? (int)WebSocketCloseStatus.NormalClosure : (int)clientStatus, "");
        }
        await sending;
    }

    private async Task AbortAfterHandshakeTimeoutAsync()
    {
        await Task.Delay(CloseHandshakeTimeout, _time);
        if (_socket.State != WebSocketState.Closed) _socket.Abort();
    }

    private static bool IsSocketFailure(Exception e) =>
        e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException;
}
