using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace RetroIm.Bench;

/// <summary>One message received by <see cref="BenchSocket.ReceiveAsync"/>: text, binary or the end of the connection.</summary>
/// <param name="Payload">The whole message; valid only until the next <see cref="BenchSocket.ReceiveAsync"/>.</param>
internal readonly record struct BenchMessage(WebSocketMessageType Type, ReadOnlyMemory<byte> Payload)
{
    public static BenchMessage Closed => new(WebSocketMessageType.Close, ReadOnlyMemory<byte>.Empty);
}

/// <summary>Handles one received message; the payload is valid only during the call.</summary>
internal delegate void MessageHandler(ReadOnlySpan<byte> payload);

/// <summary>A WebSocket upgrade answered with something else than 101 (RetroIm refuses with 401, 421, 429… and a body).</summary>
internal sealed class BenchHandshakeException(int status, string message) : IOException(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// The load generator's lean client WebSocket (RFC 6455, client side) over a raw loopback <see cref="Socket"/>, so the
/// load generator costs less CPU than the servers it measures. One small buffer per connection, one socket read per
/// batch of bytes and every complete frame in it handed out without copying; server frames are unmasked, client frames
/// masked. No extensions (no compression) and no subprotocol are offered. Reading is single-consumer: one loop calls
/// <see cref="ReceiveAsync"/>; sending is serialised and may come from any thread.
/// </summary>
internal sealed class BenchSocket : IDisposable
{
    private const int InitialBuffer = 2 * 1024;
    private const int ShrinkAbove = 64 * 1024;
    private const int MaxHead = 16 * 1024;
    private const int MaxMessage = 16 * 1024 * 1024;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Socket _socket;
    private readonly Lock _sendLock = new();
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private int _needed;
    private byte[]? _fragments;
    private int _fragmentLength;
    private WebSocketMessageType _fragmentType;
    private bool _releaseFragments;
    private bool _closed;

    private BenchSocket(Socket socket) => _socket = socket;

    /// <summary>
    /// Opens <paramref name="url"/> (<c>ws://127.0.0.1|localhost[:port]/path?query</c>), upgrades it and runs the
    /// system's own <paramref name="handshake"/> (welcome frame, Socket.IO connect…), all within <paramref name="timeout"/>:
    /// running out of it throws <see cref="TimeoutException"/>, a refused upgrade <see cref="BenchHandshakeException"/>.
    /// </summary>
    public static async Task<BenchSocket> ConnectAsync(string url, TimeSpan timeout, Func<BenchSocket, CancellationToken, Task>? handshake, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var socket = await ConnectAsync(url, cancellationToken, bounded.Token);
        try
        {
            if (handshake is not null) await handshake(socket, bounded.Token);
            return socket;
        }
        catch (Exception e)
        {
            socket.Dispose();
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                throw new TimeoutException($"no handshake within {timeout.TotalSeconds:0.#} s");
            throw;
        }
    }

    private static async Task<BenchSocket> ConnectAsync(string url, CancellationToken outer, CancellationToken cancellationToken)
    {
        var (endpoint, authority, target) = ParseUrl(url);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var ws = new BenchSocket(socket);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            Span<byte> nonce = stackalloc byte[16];
            RandomNumberGenerator.Fill(nonce);
            var key = Convert.ToBase64String(nonce);
            var request = Encoding.ASCII.GetBytes(
                $"GET {target} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
            for (var sent = 0; sent < request.Length;)
                sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellationToken);
            await ws.ReadResponseHeadAsync(key, cancellationToken);
            return ws;
        }
        catch (Exception e)
        {
            ws.Dispose();
            if (e is OperationCanceledException && !outer.IsCancellationRequested) throw new TimeoutException("no WebSocket upgrade in time: " + url);
            throw;
        }
    }

    private static (IPEndPoint Endpoint, string Authority, string Target) ParseUrl(string url)
    {
        if (!url.StartsWith("ws://", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("only ws:// URLs: " + url, nameof(url));
        var rest = url.AsSpan(5);
        var slash = rest.IndexOfAny('/', '?');
        var authority = slash < 0 ? rest : rest[..slash];
        var target = slash < 0 ? "/" : rest[slash] == '?' ? "/" + rest[slash..].ToString() : rest[slash..].ToString();
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = colon < 0 ? 80 : int.Parse(authority[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (!host.Equals("127.0.0.1", StringComparison.Ordinal) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("only loopback URLs (127.0.0.1 or localhost): " + url, nameof(url));
        return (new IPEndPoint(IPAddress.Loopback, port), authority.ToString(), target);
    }

    /// <summary>Reads the response head up to CRLFCRLF into the frame buffer; what follows it is the start of the frames.</summary>
    private async Task ReadResponseHeadAsync(string key, CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxHead) throw new IOException($"WebSocket upgrade response head over {MaxHead} bytes");
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (n == 0) throw new IOException("connection closed during the WebSocket upgrade");
            _end += n;
        }
        var head = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        var lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        var parts = statusLine.Split(' ', 3);
        var status = parts.Length >= 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;
        if (status != 101)
        {
            var body = Encoding.UTF8.GetString(_buffer, headEnd + 4, Math.Min(_end - headEnd - 4, 300));
            throw new BenchHandshakeException(status, body.Length == 0 ? statusLine : statusLine + " " + body);
        }
        if (!AcceptMatches(head.AsSpan(lineEnd + 2), key)) throw new IOException("WebSocket upgrade without a valid Sec-WebSocket-Accept");
        _start = headEnd + 4;
        if (_start == _end) _start = _end = 0;
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> a server answers to <paramref name="key"/> (RFC 6455 §4.2.2).</summary>
    public static string AcceptFor(string key)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid), hash);
        return Convert.ToBase64String(hash);
    }

    private static bool AcceptMatches(ReadOnlySpan<char> headers, string key)
        => WebSocketWire.HeaderValue(headers, "Sec-WebSocket-Accept") == AcceptFor(key);

    /// <summary>
    /// The next whole message (fragments reassembled; pings answered, pongs skipped). A close frame is answered with a
    /// close frame and returned as <see cref="WebSocketMessageType.Close"/>, as is the end of the stream. The payload
    /// points into this connection's buffer and is valid only until the next call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<BenchMessage> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_releaseFragments) ReleaseFragments();
        while (true)
        {
            if (_closed) return BenchMessage.Closed;
            if (TryParse(out var message)) return message;
            PrepareBuffer(1);
            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                _closed = true;
                return BenchMessage.Closed;
            }
            _end += n;
        }
    }

    /// <summary>The socket's file descriptor, for the receivers (<see cref="UringReceiver"/>, <see cref="EpollReceiver"/>).</summary>
    public int FileDescriptor => (int)_socket.Handle;

    /// <summary>
    /// Without waiting: hands every complete message already in the buffer and, unless <paramref name="readSocket"/>
    /// is false, every one the socket has ready (non-blocking reads until it has no more) to
    /// <paramref name="onMessage"/>, each payload valid only during its call. False once the connection ended (end
    /// of stream, a close frame, a read error).
    /// </summary>
    /// <exception cref="InvalidDataException">The server broke the WebSocket protocol.</exception>
    public unsafe bool ReceiveAvailable(MessageHandler onMessage, bool readSocket)
    {
        while (true)
        {
            if (_releaseFragments) ReleaseFragments();
            if (_closed) return false;
            if (TryParse(out var message))
            {
                if (message.Type == WebSocketMessageType.Close) return false;
                onMessage(message.Payload.Span);
                continue;
            }
            if (!readSocket) return true;
            PrepareBuffer(1);
            var space = _buffer.Length - _end;
            nint n;
            fixed (byte* at = &_buffer[_end]) n = EpollReceiver.Recv(FileDescriptor, at, space, EpollReceiver.MsgDontWait);
            if (n > 0)
            {
                _end += (int)n;
                // Fewer bytes than asked for: the socket is drained (an edge-triggered epoll reports what comes next),
                // so parse what arrived and stop without another read that would only say EAGAIN.
                if (n < space) readSocket = false;
                continue;
            }
            if (n < 0 && Marshal.GetLastPInvokeError() is EpollReceiver.EAgain or EpollReceiver.EIntr) return true;
            _closed = true;
            return false;
        }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> the caller read from the socket (<see cref="UringReceiver"/>) and hands every
    /// message they complete to <paramref name="onMessage"/>, as <see cref="ReceiveAvailable"/> does; false once the
    /// connection ended (a close frame).
    /// </summary>
    /// <exception cref="InvalidDataException">The server broke the WebSocket protocol.</exception>
    public bool Feed(ReadOnlySpan<byte> bytes, MessageHandler onMessage)
    {
        if (_releaseFragments) ReleaseFragments();
        if (_closed) return false;
        PrepareBuffer(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
        return ReceiveAvailable(onMessage, readSocket: false);
    }

    /// <summary>Ends the connection for the receivers: the read side sees the end of the stream.</summary>
    public void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    /// <summary>
    /// Makes room after <c>_end</c> for <paramref name="incoming"/> more bytes and at least the frame being waited for
    /// (<c>_needed</c> bytes from <c>_start</c>).
    /// </summary>
    private void PrepareBuffer(int incoming)
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > ShrinkAbove && _needed <= InitialBuffer) _buffer = new byte[InitialBuffer];
        }
        var needed = Math.Max(_needed, _end - _start + incoming);
        if (needed > _buffer.Length)
        {
            var grown = new byte[Math.Max(needed, _buffer.Length * 2)];
            _buffer.AsSpan(_start, _end - _start).CopyTo(grown);
            _buffer = grown;
            _end -= _start;
            _start = 0;
        }
        else if (_start > 0 && _start + needed > _buffer.Length)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    /// <summary>Consumes the complete frames at <c>_start</c> until one completes a message; false when more bytes are needed.</summary>
    private bool TryParse(out BenchMessage message)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            _needed = 2;
            if (span.Length < 2) break;
            int b0 = span[0], b1 = span[1];
            if ((b0 & 0x70) != 0) throw new InvalidDataException("WebSocket frame with reserved bits set (no extension was negotiated)");
            if ((b1 & 0x80) != 0) throw new InvalidDataException("masked WebSocket frame from the server");
            var fin = (b0 & 0x80) != 0;
            var opcode = b0 & 0x0F;
            long length = b1 & 0x7F;
            var header = 2;
            if (length == 126)
            {
                header = 4;
                if (span.Length < header) { _needed = header; break; }
                length = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
            }
            else if (length == 127)
            {
                header = 10;
                if (span.Length < header) { _needed = header; break; }
                var l = BinaryPrimitives.ReadUInt64BigEndian(span[2..]);
                if (l > MaxMessage) throw new InvalidDataException($"WebSocket frame of {l} bytes (limit {MaxMessage})");
                length = (long)l;
            }
            if (length > MaxMessage) throw new InvalidDataException($"WebSocket frame of {length} bytes (limit {MaxMessage})");
            var total = header + (int)length;
            if (span.Length < total) { _needed = total; break; }
            var payload = _buffer.AsMemory(_start + header, (int)length);
            _start += total;
            switch (opcode)
            {
                case 0x1 or 0x2:
                    var type = opcode == 0x1 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                    if (_fragments is not null) throw new InvalidDataException("new WebSocket message inside a fragmented one");
                    if (fin)
                    {
                        message = new BenchMessage(type, payload);
                        return true;
                    }
                    _fragmentType = type;
                    _fragments = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length * 2, 4096));
                    _fragmentLength = 0;
                    AppendFragment(payload.Span);
                    break;
                case 0x0:
                    if (_fragments is null) throw new InvalidDataException("WebSocket continuation frame without a message");
                    AppendFragment(payload.Span);
                    if (fin)
                    {
                        message = new BenchMessage(_fragmentType, _fragments.AsMemory(0, _fragmentLength));
                        _releaseFragments = true;
                        return true;
                    }
                    break;
                case 0x8:
                    if (!fin || length > 125) throw new InvalidDataException("malformed WebSocket close frame");
                    _closed = true;
                    try
                    {
                        SendFrame(0x8, payload.Span[..Math.Min(2, payload.Length)]);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        // The peer may already be gone; the connection ends either way.
                    }
                    message = BenchMessage.Closed;
                    return true;
                case 0x9:
                    if (!fin || length > 125) throw new InvalidDataException("malformed WebSocket ping frame");
                    SendFrame(0xA, payload.Span);
                    break;
                case 0xA:
                    if (!fin || length > 125) throw new InvalidDataException("malformed WebSocket pong frame");
                    break;
                default:
                    throw new InvalidDataException($"unknown WebSocket opcode {opcode}");
            }
        }
        if (_start == _end) _start = _end = 0;
        message = default;
        return false;
    }

    private void AppendFragment(ReadOnlySpan<byte> payload)
    {
        if (_fragmentLength + payload.Length > MaxMessage) throw new InvalidDataException($"WebSocket message over {MaxMessage} bytes");
        if (_fragmentLength + payload.Length > _fragments!.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_fragmentLength + payload.Length, _fragments.Length * 2));
            _fragments.AsSpan(0, _fragmentLength).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_fragments);
            _fragments = grown;
        }
        payload.CopyTo(_fragments.AsSpan(_fragmentLength));
        _fragmentLength += payload.Length;
    }

    private void ReleaseFragments()
    {
        _releaseFragments = false;
        if (_fragments is { } fragments) ArrayPool<byte>.Shared.Return(fragments);
        _fragments = null;
        _fragmentLength = 0;
    }

    /// <summary>Sends one text message in a single masked frame; safe to call from several threads at once.</summary>
    public void SendText(ReadOnlySpan<byte> payload) => SendFrame(0x1, payload);

    private void SendFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        var header = WebSocketWire.HeaderLength(payload.Length, masked: true);
        var total = header + payload.Length;
        byte[]? rented = null;
        Span<byte> frame = total <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(total));
        try
        {
            frame = frame[..total];
            WebSocketWire.WriteHeader(frame, opcode, payload.Length, masked: true);
            var mask = frame.Slice(header - 4, 4);
            Random.Shared.NextBytes(mask);
            var body = frame[header..];
            for (var i = 0; i < payload.Length; i++) body[i] = (byte)(payload[i] ^ mask[i & 3]);
            lock (_sendLock)
            {
                for (var sent = 0; sent < frame.Length;) sent += _socket.Send(frame[sent..], SocketFlags.None);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Closes the socket at once (no close handshake); a pending <see cref="ReceiveAsync"/> fails.</summary>
    public void Abort() => _socket.Dispose();

    public void Dispose() => _socket.Dispose();
}
