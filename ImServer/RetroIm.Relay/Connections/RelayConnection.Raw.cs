using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay.Connections;

/// <summary>
/// The WebSocket protocol itself for a socket the relay accepted and upgraded (<see cref="RelayListener"/>): frames are
/// read from the socket into <see cref="RawInput"/> and parsed by <see cref="ClientFrameParser"/>, and written through
/// <see cref="FrameOutput"/>, so an idle connection is this object, its receive loop and the socket — no WebSocket,
/// pipe, stream or buffer.
/// </summary>
internal sealed partial class RelayConnection
{
    private readonly Socket? _raw;
    private RawInput _input;
    private int _clientCloseCode;
    private volatile bool _finished;

    /// <summary>A connection whose WebSocket protocol the relay speaks itself over <paramref name="socket"/>.</summary>
    public RelayConnection(Socket socket, FrameOutput output, ConnectionRegistration registration, int maxFrameBytes,
        int sendQueueLimit, TimeProvider time, RelayMetrics metrics, Microsoft.Extensions.Logging.ILogger logger)
        : this(null, registration, maxFrameBytes, sendQueueLimit, time, metrics, logger, output)
    {
        _raw = socket;
    }

    /// <summary>Ends the connection before it started (the backplane refused the registration): a close frame, then the end.</summary>
    public async Task RefuseAsync(int code, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (_socket is { } socket)
            {
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
            }
            else
            {
                await _output!.WriteLockedAsync(CloseFrame(code, reason), timeout.Token);
            }
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            Abort();
        }
    }

    /// <summary>Closes the socket the relay accepted itself, once the connection is over (nothing to do for a WebSocket).</summary>
    public void ReleaseTransport()
    {
        if (_raw is { } socket) RelayListener.Close(socket);
    }

    /// <summary>
    /// Drops the TCP connection: a write stuck behind a peer that stopped reading fails, the waiting receive ends.
    /// (Closing the socket is what wakes both; the socket's handle keeps the descriptor until calls in flight return.)
    /// </summary>
    private void AbortTransport()
    {
        _output!.Abort();
        _raw!.Dispose();
    }

    /// <summary>
    /// The receive loop over the socket: handles text messages, answers PINGs, and ends once the close handshake is
    /// done (either side may begin it), the peer breaks the protocol (the connection is failed: a close frame, then the
    /// end), or the TCP connection ends. Between messages it waits with a zero-byte receive: no buffer while idle.
    /// </summary>
    private async Task RunRawAsync(CancellationToken cancellationToken)
    {
        var socket = _raw!;
        var output = _output!;
        var parser = new ClientFrameParser();
        var needMore = true;
        try
        {
            while (true)
            {
                if (needMore)
                {
                    // Completes at once when bytes (or the peer's FIN) already wait; otherwise parks the loop without a
                    // buffer. Waiting first, not trying a read first, saves a system call per message that arrives.
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
                    var received = _input.Receive(socket);
                    if (received == RawReceive.WouldBlock) continue;
                    if (received == RawReceive.Closed)
                    {
                        RelayLog.ConnectionFailed(_logger, ConnectionId, "the client closed the TCP connection without a close frame");
                        return;
                    }
                    // Any bytes prove the peer alive (keep-alive); only messages reset the idle clock (Step).
                    output.NoteInbound();
                }
                var buffer = _input.Buffered;
                var before = buffer.Length;
                var step = Step(ref parser, ref buffer, out var pong);
                _input.Consume(before - buffer.Length);
                // What is left after a Read step is an incomplete frame: only more bytes can finish it.
                needMore = step == RawStep.Read;
                switch (step)
                {
                    case RawStep.Pong:
                        await output.WriteLockedAsync(pong!, cancellationToken);
                        continue;
                    case RawStep.Command:
                        await RunPendingCommandAsync(cancellationToken);
                        continue;
                    case RawStep.End:
                        return;
                }
            }
        }
        catch (Exception e) when (IsSocketFailure(e) || e is SocketException)
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
        }
        finally
        {
            parser.ReleaseMessage();
            _input.Release();
            Close(_clientCloseCode is 0 ? (int)WebSocketCloseStatus.NormalClosure : _clientCloseCode, "");
            if (ClosingTask() is { } closing) await closing;
            _finished = true;
        }
    }

    private enum RawStep
    {
        /// <summary>Everything complete in the buffer was handled: read on.</summary>
        Read,

        /// <summary>A PING came: answer it, then go on.</summary>
        Pong,

        /// <summary>A message left a command to run: run it, then go on.</summary>
        Command,

        /// <summary>The close handshake is done or the connection failed: stop reading.</summary>
        End,
    }

    /// <summary>
    /// Handles what the buffer holds, up to the first thing that needs waiting for; for <see cref="RawStep.Pong"/>,
    /// <paramref name="pong"/> is the frame to answer with. (Control payloads go to the stack: no buffer per connection.)
    /// </summary>
    private RawStep Step(ref ClientFrameParser parser, ref ReadOnlySequence<byte> buffer, out byte[]? pong)
    {
        pong = null;
        Span<byte> control = stackalloc byte[ClientFrameParser.MaxControlPayload];
        while (true)
        {
            var found = parser.Next(ref buffer, _maxFrameBytes, control, out var controlLength);
            switch (found)
            {
                case ClientFrameEvent.NeedMore:
                    return RawStep.Read;
                case ClientFrameEvent.Pong:
                    continue;
                case ClientFrameEvent.Ping:
                    if (CloseStatus != 0) continue;
                    pong = ControlFrame(0x8A, control[..controlLength]); // FIN + pong
                    return RawStep.Pong;
                case ClientFrameEvent.Text:
                    // A message, not a PONG to the keep-alive's PING, is what keeps a connection from being idle.
                    Volatile.Write(ref _lastReceiveTimestamp, _time.GetTimestamp());
                    if (CloseStatus != 0)
                    {
                        // Closing: what still arrives before the client's close frame is dropped.
                        parser.ReleaseMessage();
                        continue;
                    }
                    _metrics.MessageIn(parser.Message.Length);
                    // Rate-limited once the type is known: acks and pings have a budget of their own (RelayConnection.Limits).
                    var handled = Handle(parser.Message);
                    parser.ReleaseMessage();
                    if (handled && _pendingCommand is not null) return RawStep.Command;
                    continue;
                case ClientFrameEvent.Close:
                    _clientCloseCode = ReadCloseCode(control[..controlLength], out var invalid);
                    if (invalid is not null) Close((int)WebSocketCloseStatus.ProtocolError, invalid);
                    return RawStep.End;
                case ClientFrameEvent.Binary:
                    Close(ImCloseCodes.PolicyViolation, "binary frames are not supported: send JSON text");
                    return RawStep.End;
                case ClientFrameEvent.TooBig:
                    if (Close(ImCloseCodes.MessageTooBig, $"frame larger than {_maxFrameBytes} bytes")) _metrics.LimitExceeded("frame_size");
                    return RawStep.End;
                case ClientFrameEvent.InvalidUtf8:
                    parser.ReleaseMessage();
                    Close((int)WebSocketCloseStatus.InvalidPayloadData, "text frames must be valid UTF-8");
                    return RawStep.End;
                default:
                    RelayLog.BadClientFrame(_logger, ConnectionId, parser.Error);
                    Close((int)WebSocketCloseStatus.ProtocolError, parser.Error ?? "protocol error");
                    return RawStep.End;
            }
        }
    }

    /// <summary>
    /// The code of a client's close frame (0: none given), or a reason in <paramref name="invalid"/> when the frame breaks
    /// RFC 6455 §7.4 (a one-byte body, a code no endpoint may send, a reason that is not UTF-8).
    /// </summary>
    internal static int ReadCloseCode(ReadOnlySpan<byte> body, out string? invalid)
    {
        invalid = null;
        if (body.Length == 0) return 0;
        if (body.Length == 1)
        {
            invalid = "a close frame body must hold a two-byte code";
            return 0;
        }
        int code = BinaryPrimitives.ReadUInt16BigEndian(body);
        var allowed = code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;
        if (!allowed) invalid = $"close code {code} may not be sent";
        else if (!Utf8.IsValid(body[2..])) invalid = "the close reason must be valid UTF-8";
        return allowed ? code : 0;
    }

    /// <summary>A server close frame (unmasked): the code, then the reason cut to fit 125 bytes on a character boundary.</summary>
    internal static byte[] CloseFrame(int code, string reason)
    {
        var reasonBytes = Encoding.UTF8.GetBytes(reason);
        var length = Math.Min(reasonBytes.Length, ClientFrameParser.MaxControlPayload - 2);
        while (length > 0 && length < reasonBytes.Length && (reasonBytes[length] & 0xC0) == 0x80) length--;
        Span<byte> body = stackalloc byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        reasonBytes.AsSpan(0, length).CopyTo(body[2..]);
        return ControlFrame(0x88, body); // FIN + close
    }

    /// <summary>A server control frame (unmasked, at most 125 bytes of payload): FIN + opcode, the length, the payload.</summary>
    private static byte[] ControlFrame(byte first, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[2 + payload.Length];
        frame[0] = first;
        frame[1] = (byte)payload.Length;
        payload.CopyTo(frame.AsSpan(2));
        return frame;
    }

    /// <summary>Sends this side's close frame on the bare socket (once; failures just end the connection).</summary>
    private async Task SendRawCloseFrameAsync()
    {
        try
        {
            await _output!.WriteLockedAsync(CloseFrame(CloseStatus, _closeReason), CancellationToken.None);
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
        }
    }
}
