using System.Buffers;
using System.Net.Sockets;

namespace RetroIm.Relay.Transport;

/// <summary>What <see cref="RawInput.Receive"/> found.</summary>
internal enum RawReceive
{
    /// <summary>New bytes were appended to <see cref="RawInput.Buffered"/>.</summary>
    Data,

    /// <summary>Nothing to read yet: wait for the socket to become readable (a zero-byte receive).</summary>
    WouldBlock,

    /// <summary>The peer ended the TCP connection (FIN).</summary>
    Closed,
}

/// <summary>
/// The receive side of a socket the relay reads itself (<see cref="RelayListener"/>), kept as a field of the connection
/// (no object of its own). The socket is non-blocking and the reader waits for readability with a zero-byte receive,
/// so an idle connection holds no buffer: one is rented from the pool when bytes arrive and returned as soon as every
/// byte in it has been consumed. A frame parser consumes payloads as they arrive, so what stays buffered between
/// receives is at most an incomplete frame header or control frame.
/// </summary>
internal struct RawInput
{
    private const int BufferSize = 4096;

    private byte[]? _buffer;
    private int _start;
    private int _end;

    /// <summary>The bytes received and not consumed yet.</summary>
    public readonly ReadOnlySequence<byte> Buffered =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    /// <summary>
    /// Appends what the kernel holds to <see cref="Buffered"/> without waiting (the socket must be non-blocking).
    /// Throws <see cref="IOException"/> when the connection failed.
    /// </summary>
    public RawReceive Receive(Socket socket)
    {
        MakeRoom();
        int count;
        SocketError error;
        try
        {
            count = socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out error);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("The connection was aborted.", e);
        }
        if (error == SocketError.WouldBlock)
        {
            ReturnIfEmpty();
            return RawReceive.WouldBlock;
        }
        if (error != SocketError.Success) throw new IOException($"Receive failed: {error}.", new SocketException((int)error));
        if (count == 0)
        {
            ReturnIfEmpty();
            return RawReceive.Closed;
        }
        _end += count;
        return RawReceive.Data;
    }

    /// <summary>Drops the first <paramref name="count"/> buffered bytes; the buffer goes back to the pool once all are gone.</summary>
    public void Consume(long count)
    {
        _start += checked((int)count);
        ReturnIfEmpty();
    }

    /// <summary>Gives the buffer back whatever it holds (the connection ended).</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _start = _end = 0;
    }

    /// <summary>A buffer with free space at the end: rented, compacted (leftover moved to the front) or grown.</summary>
    private void MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            return;
        }
        if (_end < _buffer.Length) return;
        var leftover = _end - _start;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, leftover).CopyTo(_buffer);
        }
        else
        {
            // Full of bytes nobody could consume yet (not reached with a frame parser that consumes payloads as they come).
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, leftover).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        _start = 0;
        _end = leftover;
    }

    private void ReturnIfEmpty()
    {
        if (_start == _end) Release();
    }
}
