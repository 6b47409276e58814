using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace RetroIm.Relay.Transport;

/// <summary>What <see cref="ClientFrameParser.Next"/> found.</summary>
internal enum ClientFrameEvent
{
    /// <summary>The buffer holds no complete frame (or message) more: read on.</summary>
    NeedMore,

    /// <summary>A complete text message, in <see cref="ClientFrameParser.Message"/> until <see cref="ClientFrameParser.ReleaseMessage"/>.</summary>
    Text,

    /// <summary>A PING; its payload is in the control buffer.</summary>
    Ping,

    /// <summary>A PONG (the payload is ignored).</summary>
    Pong,

    /// <summary>A close frame; its payload (code and reason) is in the control buffer.</summary>
    Close,

    /// <summary>A binary frame began (the relay speaks JSON text only). Nothing of it was consumed.</summary>
    Binary,

    /// <summary>The message would be larger than the limit. Nothing of the frame was consumed.</summary>
    TooBig,

    /// <summary>A text message that is not valid UTF-8 (RFC 6455 §8.1).</summary>
    InvalidUtf8,

    /// <summary>A frame RFC 6455 forbids; <see cref="ClientFrameParser.Error"/> says why. The framing cannot be trusted after it.</summary>
    ProtocolError,
}

/// <summary>
/// Reads the frames a client sends (RFC 6455 §5.2) straight from the transport pipe, for a socket the relay upgraded
/// itself — no WebSocket object, stream adapter or receive buffer per connection. Data frames are unmasked into a pooled
/// message buffer as their bytes arrive (rented only while a message is arriving), so a large message is never held in
/// the pipe; control frames (at most 125 bytes) are read whole into the caller's buffer.
/// </summary>
/// <remarks>A mutable struct kept in the receive loop's state: call it through a <c>ref</c>.</remarks>
internal struct ClientFrameParser
{
    /// <summary>The largest control frame payload (RFC 6455 §5.5).</summary>
    public const int MaxControlPayload = 125;

    private const int InitialMessageBuffer = 4096;
    private const int MaxHeader = 14;

    private byte[]? _message;
    private int _length;
    private bool _inMessage;
    private bool _inFrame;
    private bool _frameFin;
    private long _remaining;
    private uint _mask;
    private int _maskOffset;

    /// <summary>Why the last <see cref="ClientFrameEvent.ProtocolError"/> was reported.</summary>
    public string? Error { get; private set; }

    /// <summary>The text message reported by the last <see cref="ClientFrameEvent.Text"/>.</summary>
    public readonly ReadOnlySpan<byte> Message => _message.AsSpan(0, _length);

    /// <summary>
    /// Consumes from <paramref name="buffer"/> (which it advances) until it has something to report. Control frames may
    /// arrive between the fragments of a message; the message keeps assembling around them.
    /// </summary>
    /// <param name="maxMessage">The largest text message accepted, fragments together.</param>
    /// <param name="control">At least <see cref="MaxControlPayload"/> bytes: receives a control frame's payload.</param>
    /// <param name="controlLength">The length of that payload.</param>
    public ClientFrameEvent Next(ref ReadOnlySequence<byte> buffer, int maxMessage, Span<byte> control, out int controlLength)
    {
        controlLength = 0;
        Span<byte> head = stackalloc byte[MaxHeader];
        while (true)
        {
            if (_inFrame)
            {
                if (buffer.IsEmpty) return ClientFrameEvent.NeedMore;
                var take = (int)Math.Min(_remaining, buffer.Length);
                var target = Reserve(take, maxMessage);
                buffer.Slice(0, take).CopyTo(target);
                Unmask(target, _mask, ref _maskOffset);
                _length += take;
                _remaining -= take;
                buffer = buffer.Slice(take);
                if (_remaining > 0) return ClientFrameEvent.NeedMore;
                _inFrame = false;
                if (!_frameFin) continue;
                _inMessage = false;
                return Utf8.IsValid(Message) ? ClientFrameEvent.Text : ClientFrameEvent.InvalidUtf8;
            }

            if (buffer.Length < 2) return ClientFrameEvent.NeedMore;
            var have = (int)Math.Min(MaxHeader, buffer.Length);
            buffer.Slice(0, have).CopyTo(head);
            var fin = (head[0] & 0x80) != 0;
            var opcode = head[0] & 0x0F;
            if ((head[0] & 0x70) != 0) return Fail("reserved bits set without an extension");
            if ((head[1] & 0x80) == 0) return Fail("client frames must be masked");
            var length7 = head[1] & 0x7F;
            var headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
            if (have < headerLength) return ClientFrameEvent.NeedMore;
            var payload = length7 switch
            {
                < 126 => length7,
                126 => BinaryPrimitives.ReadUInt16BigEndian(head[2..]),
                _ => (long)BinaryPrimitives.ReadUInt64BigEndian(head[2..]),
            };
            if (payload < 0) return Fail("payload length over 2^63");
            var mask = BinaryPrimitives.ReadUInt32LittleEndian(head[(headerLength - 4)..]);

            if (opcode >= 0x8)
            {
                if (opcode > 0xA) return Fail($"unknown opcode {opcode}");
                if (!fin) return Fail("fragmented control frame");
                if (payload > MaxControlPayload) return Fail("control frame over 125 bytes");
                if (buffer.Length < headerLength + payload) return ClientFrameEvent.NeedMore;
                var body = control[..(int)payload];
                buffer.Slice(headerLength, payload).CopyTo(body);
                var offset = 0;
                Unmask(body, mask, ref offset);
                buffer = buffer.Slice(headerLength + payload);
                controlLength = (int)payload;
                return opcode switch
                {
                    0x8 => ClientFrameEvent.Close,
                    0x9 => ClientFrameEvent.Ping,
                    _ => ClientFrameEvent.Pong,
                };
            }

            switch (opcode)
            {
                case 0x0 when !_inMessage:
                    return Fail("continuation frame without a message");
                case 0x1 when _inMessage:
                case 0x2 when _inMessage:
                    return Fail("a new message before the last one ended");
                case 0x2:
                    return ClientFrameEvent.Binary;
                case > 0x2:
                    return Fail($"unknown opcode {opcode}");
            }
            if (_length + payload > maxMessage) return ClientFrameEvent.TooBig;
            buffer = buffer.Slice(headerLength);
            _inMessage = true;
            _inFrame = true;
            _frameFin = fin;
            _remaining = payload;
            _mask = mask;
            _maskOffset = 0;
            if (payload == 0) _inFrame = false;
            if (payload == 0 && fin)
            {
                _inMessage = false;
                return Utf8.IsValid(Message) ? ClientFrameEvent.Text : ClientFrameEvent.InvalidUtf8;
            }
        }
    }

    /// <summary>Returns the message buffer to the pool (after a <see cref="ClientFrameEvent.Text"/> was handled, and at the end).</summary>
    public void ReleaseMessage()
    {
        if (_message is { } message) ArrayPool<byte>.Shared.Return(message);
        _message = null;
        _length = 0;
    }

    private ClientFrameEvent Fail(string error)
    {
        Error = error;
        return ClientFrameEvent.ProtocolError;
    }

    private Span<byte> Reserve(int count, int maxMessage)
    {
        var needed = _length + count;
        if (_message is null || _message.Length < needed)
        {
            var size = Math.Max(needed, Math.Min(Math.Max(InitialMessageBuffer, (_message?.Length ?? 0) * 2), maxMessage));
            var larger = ArrayPool<byte>.Shared.Rent(size);
            if (_message is { } old)
            {
                old.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(old);
            }
            _message = larger;
        }
        return _message.AsSpan(_length, count);
    }

    /// <summary>XORs <paramref name="bytes"/> with the masking key, starting at <paramref name="offset"/> into it (RFC 6455 §5.3).</summary>
    private static void Unmask(Span<byte> bytes, uint mask, ref int offset)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(mask >> (8 * ((offset + i) & 3)));
        }
        offset = (offset + bytes.Length) & 3;
    }
}
