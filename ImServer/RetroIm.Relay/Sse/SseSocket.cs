using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace RetroIm.Relay.Sse;

/// <summary>
/// The fallback transport seen as a <see cref="WebSocket"/>: server frames go down an HTTP <c>text/event-stream</c>
/// body (one <c>data:</c> line each), client frames arrive through <c>POST /sse/send</c> and are read back here as
/// text messages. Being a WebSocket, it runs through <see cref="Connections.ConnectionRunner"/> and
/// <see cref="Connections.RelayConnection"/> unchanged: the same queue, slow-consumer limit, positions, recovery,
/// frame handler, rights and rate limits as <c>/ws</c>.
/// </summary>
/// <remarks>
/// A close becomes a final <c>event: close</c> carrying <c>{"type":"close","code","reason"}</c>; there is no close
/// handshake to wait for, so the socket is Closed as soon as that event is written.
/// </remarks>
internal sealed class SseSocket : WebSocket
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Heartbeat = ":\n\n"u8.ToArray();

    // When a frame or heartbeat last went out (Environment.TickCount64).
    private long _lastWrite = Environment.TickCount64;

    private readonly PipeWriter _body;
    private readonly Action _abortRequest;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Small and bounded: a client posting faster than its frames are handled gets 429, like a rate limit.
    private readonly Channel<byte[]> _inbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private byte[]? _current;
    private int _offset;
    private volatile WebSocketState _state = WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;

    public SseSocket(PipeWriter body, Action abortRequest, string id, byte[] postToken)
    {
        _body = body;
        _abortRequest = abortRequest;
        Id = id;
        PostToken = postToken;
    }

    /// <summary>The <c>c</c> parameter of <c>POST /sse/send</c>: random, then <c>.</c> and the node id.</summary>
    public string Id { get; }

    /// <summary>The upstream's bearer secret (16 random bytes), compared in constant time.</summary>
    public byte[] PostToken { get; }

    /// <summary>Written into the first frame (the welcome) as <c>"sse":{"c","postToken"}</c>.</summary>
    public byte[]? WelcomeExtra { get; set; }

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override WebSocketState State => _state;

    public override string? SubProtocol => null;

    /// <summary>Hands one posted client frame to the receive loop; false when the connection is closed or flooded.</summary>
    public bool TryPost(byte[] frame) => _state == WebSocketState.Open && _inbound.Writer.TryWrite(frame);

    /// <summary>The GET response went away: the receive loop sees the client's close (1001).</summary>
    public void ClientGone()
    {
        _closeStatus ??= WebSocketCloseStatus.EndpointUnavailable;
        _inbound.Writer.TryComplete();
    }

    /// <summary>
    /// One step of the node's keep-alive sweep (<c>RelayConnection.KeepAlive</c>): after <paramref name="intervalMs"/>
    /// without a write, an SSE comment so proxies and the client see the stream alive. No timer per stream.
    /// </summary>
    public void HeartbeatIfQuiet(long now, long intervalMs)
    {
        if (_state == WebSocketState.Open && now - Volatile.Read(ref _lastWrite) >= intervalMs) _ = HeartbeatAsync();
    }

    // Skipped while a frame is being written; a failed write means the response is gone, which the loops notice.
    private async Task HeartbeatAsync()
    {
        if (!_writeLock.Wait(0)) return;
        try
        {
            Volatile.Write(ref _lastWrite, Environment.TickCount64);
            await _body.WriteAsync(Heartbeat);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (messageType != WebSocketMessageType.Text || !endOfMessage)
        {
            throw new NotSupportedException("The SSE transport carries whole text frames only.");
        }
        return WriteEventAsync(buffer, cancellationToken);
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_current is null)
        {
            while (!_inbound.Reader.TryRead(out _current))
            {
                if (!await _inbound.Reader.WaitToReadAsync(cancellationToken))
                {
                    _state = WebSocketState.Closed;
                    return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
                }
            }
            _offset = 0;
        }
        var count = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsSpan(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        // A zero-byte read only announces a message (as on a real socket), unless the message is empty.
        var end = _offset == _current.Length && (buffer.Length > 0 || _current.Length == 0);
        if (end) _current = null;
        return new ValueWebSocketReceiveResult(count, WebSocketMessageType.Text, end);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return result.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, _closeStatus, _closeDescription)
            : new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        if (_state != WebSocketState.Open) return;
        _closeStatus ??= closeStatus;
        _closeDescription ??= statusDescription;
        var close = Encoding.UTF8.GetBytes(SseFrames.Close((int)closeStatus, statusDescription ?? ""));
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                WriteEvent("event: close\n"u8, close);
                await _body.FlushAsync(cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            // No close handshake over SSE: the response ends when the connection's loops do.
            _state = WebSocketState.Closed;
            _inbound.Writer.TryComplete();
        }
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort()
    {
        _state = WebSocketState.Aborted;
        _inbound.Writer.TryComplete();
        _abortRequest();
    }

    public override void Dispose() => _inbound.Writer.TryComplete();

    private async ValueTask WriteEventAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_state != WebSocketState.Open) throw new WebSocketException(WebSocketError.InvalidState, "The SSE stream is closed.");
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (WelcomeExtra is { } extra)
            {
                WelcomeExtra = null;
                WriteWelcome(payload.Span, extra);
            }
            else
            {
                WriteEvent([], payload.Span);
            }
            Volatile.Write(ref _lastWrite, Environment.TickCount64);
            var flush = await _body.FlushAsync(cancellationToken);
            if (flush.IsCompleted || flush.IsCanceled) throw new IOException("The SSE response is closed.");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The welcome with <paramref name="extra"/> (<c>,"sse":{…}</c>) spliced in before its closing brace.</summary>
    private void WriteWelcome(ReadOnlySpan<byte> welcome, ReadOnlySpan<byte> extra)
    {
        var close = welcome.LastIndexOf((byte)'}');
        if (close < 0)
        {
            WriteEvent([], welcome);
            return;
        }
        _body.Write(DataPrefix);
        _body.Write(welcome[..close]);
        _body.Write(extra);
        _body.Write(welcome[close..]);
        _body.Write(FrameEnd);
    }

    // JSON from System.Text.Json never holds a raw line break, so one data line carries one whole frame.
    private void WriteEvent(ReadOnlySpan<byte> eventLine, ReadOnlySpan<byte> payload)
    {
        if (!eventLine.IsEmpty) _body.Write(eventLine);
        _body.Write(DataPrefix);
        _body.Write(payload);
        _body.Write(FrameEnd);
    }
}
