using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace RetroIm.Relay.Transport;

/// <summary>
/// The write side of a connection upgraded by <see cref="RelayListener"/>, behind one lock shared by the
/// relay's PING, PONG and close frames (RelayConnection.Raw, the keep-alive sweep) and its text
/// frames. Server frames are unmasked, so a text frame is a 2–10 byte header in front of the shared payload.
/// </summary>
/// <remarks>
/// <para>
/// Frames are gathered in a pooled buffer, rented on the first write and returned once the bytes are out, so an idle
/// connection holds no buffer; a lone frame to a socket with nothing buffered (<see cref="TrySendText"/>, a fan-out's
/// usual case) skips even that and is sent from the sending thread's scratch buffer. A flush is a non-blocking
/// <c>send</c> made by whoever holds the writer — usually the dispatcher fanning a message out — so a delivery costs
/// one system call and no thread hop. Only when the kernel's send buffer is full does the rest go out asynchronously,
/// with the writer kept until it has, so later frames queue behind it in order.
/// </para>
/// </remarks>
internal sealed class FrameOutput
{
    // FIN + PING, no payload: the node's keep-alive sweep writes it (server frames are unmasked).
    private static readonly byte[] PingFrame = [0x89, 0x00];
    private const int MinimumBuffer = 1024;
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>
    /// The largest frame sent at once without the pool: by <see cref="TrySendText"/> from its thread's scratch buffer
    /// (made here, one per thread), or by a <c>SendBatch</c> from its own. Larger frames go through the flush.
    /// </summary>
    public const int MaxLoneFrame = 16 * 1024;
    [ThreadStatic] private static byte[]? t_scratch;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private byte[]? _buffer;
    private int _length;
    private volatile bool _aborted;
    private long _lastInbound = Environment.TickCount64;

    // Set whenever the relay takes the writer to write a frame (not for its PINGs), cleared by the keep-alive sweep,
    // which notes the time in _lastWritten (see LastWritten). Plain writes: a set lost to the sweep's clear costs one
    // PING at most. _writesWatched: the kernel aborts the socket when written bytes stay unacknowledged (WatchWrites).
    private bool _written;
    private bool _writesWatched;
    private long _lastWritten;

    /// <summary>Writes straight to <paramref name="socket"/>, which is switched to non-blocking mode.</summary>
    public FrameOutput(Socket socket)
    {
        socket.Blocking = false;
        _socket = socket;
    }

    /// <summary>The socket's handle, for sends made outside <see cref="Socket"/> (a <c>SendBatch</c>).</summary>
    public SafeSocketHandle Handle => _socket.SafeHandle;

    /// <summary>Nothing buffered and not aborted: a frame may go straight to the kernel (hold the writer).</summary>
    public bool IsIdle => _length == 0 && !_aborted;

    /// <summary>When the peer last sent any bytes, PONGs included (<see cref="Environment.TickCount64"/>).</summary>
    public long LastInbound => Volatile.Read(ref _lastInbound);

    /// <summary>Called by the receive loop when bytes arrive: the peer is alive.</summary>
    public void NoteInbound() => Volatile.Write(ref _lastInbound, Environment.TickCount64);

    /// <summary>
    /// Asks the kernel to abort the connection when bytes written to it stay unacknowledged for
    /// <paramref name="timeout"/> (<c>TCP_USER_TIMEOUT</c>, Linux): then a peer that vanished while the node writes to
    /// it is found without a PING, and <see cref="LastWritten"/> lets the keep-alive sweep skip sockets it writes to.
    /// False (and nothing changes) where the system has no such option.
    /// </summary>
    public bool WatchWrites(TimeSpan timeout)
    {
        if (!OperatingSystem.IsLinux()) return false;
        Span<byte> milliseconds = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(milliseconds, (uint)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue));
        try
        {
            _socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, milliseconds);
        }
        catch (SocketException)
        {
            return false;
        }
        _writesWatched = true;
        return true;
    }

    /// <summary>
    /// For the keep-alive sweep, which calls it every round: when the relay last wrote a frame to this socket as the
    /// sweep saw it — <paramref name="now"/> when it wrote since the previous call, else that call's answer; 0 when it
    /// never wrote or writes are not watched (<see cref="WatchWrites"/>), so each socket then gets its PINGs.
    /// </summary>
    public long LastWritten(long now)
    {
        if (!_writesWatched) return 0;
        if (_written)
        {
            _written = false;
            _lastWritten = now;
        }
        return _lastWritten;
    }

    /// <summary>Bytes written but not flushed yet.</summary>
    public long Unflushed => _length;

    /// <summary>Takes the writer if nobody holds it, without waiting (to write a frame: see <see cref="LastWritten"/>).</summary>
    public bool TryEnter()
    {
        NoteWrite();
        return _lock.Wait(0);
    }

    public Task EnterAsync(CancellationToken cancellationToken)
    {
        NoteWrite();
        return _lock.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Called after every <see cref="Exit"/>: the relay's frames that queued while someone else (a PING, the
    /// WebSocket's PONG or close frame) held the writer go out then (see <c>RelayConnection.Pump</c>).
    /// </summary>
    public Action? Released { get; set; }

    /// <summary>Gives the writer back and lets <see cref="Released"/> write what queued meanwhile.</summary>
    public void Exit()
    {
        _lock.Release();
        Released?.Invoke();
    }

    /// <summary>Gives the writer back without calling <see cref="Released"/> (for the caller that writes queued frames itself).</summary>
    public void ExitQuietly() => _lock.Release();

    /// <summary>Writes one final text frame holding <paramref name="payload"/> (hold the writer).</summary>
    public void WriteText(ReadOnlySpan<byte> payload)
    {
        var length = TextFrameLength(payload.Length);
        FrameText(Reserve(length), payload);
        _length += length;
    }

    /// <summary>
    /// Sends one final text frame holding <paramref name="payload"/> at once, when nothing else is buffered (hold the
    /// writer): true when the kernel took all of it, and then nothing was rented or buffered. Otherwise (the kernel took
    /// part or none of it, the socket failed, or the connection was aborted) the rest is buffered as
    /// <see cref="WriteText"/> would leave it, for <see cref="FlushAsync"/> to send or to report the failure.
    /// </summary>
    /// <remarks>
    /// A fan-out's usual case, one frame to an idle socket, is then one system call from a scratch buffer of the
    /// sending thread, instead of a pooled buffer rented, filled, sent and returned through the flush.
    /// </remarks>
    public bool TrySendText(ReadOnlySpan<byte> payload)
    {
        var length = TextFrameLength(payload.Length);
        if (!IsIdle || length > MaxLoneFrame)
        {
            WriteText(payload);
            return false;
        }
        var frame = (t_scratch ??= new byte[MaxLoneFrame]).AsSpan(0, length);
        FrameText(frame, payload);
        var sent = 0;
        try
        {
            sent = _socket.Send(frame, SocketFlags.None, out var error);
            if (error != SocketError.Success) sent = 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The flush meets the same failure and reports it as a closed connection.
        }
        if (sent == length) return true;
        WriteRaw(frame[sent..]);
        return false;
    }

    /// <summary>Writes bytes as they are (hold the writer).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>
    /// Sends what was written (hold the writer until it completes); throws IOException when the peer is gone. It
    /// completes synchronously unless the kernel could not take every byte at once.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_aborted)
        {
            Release();
            throw new IOException("The connection was aborted.");
        }
        if (_length == 0)
        {
            Release();
            return ValueTask.CompletedTask;
        }
        var socket = _socket;
        var sent = 0;
        try
        {
            while (sent < _length)
            {
                var count = socket.Send(_buffer.AsSpan(sent, _length - sent), SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock) return SendRestAsync(socket, sent, cancellationToken);
                if (error != SocketError.Success) throw new IOException($"Send failed: {error}.", new SocketException((int)error));
                sent += count;
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            Release();
            throw new IOException("The connection is closed.", e);
        }
        catch
        {
            Release();
            throw;
        }
        Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// For aborts: every later write fails at once, and a flush waiting for the peer returns (as a closed
    /// connection). True when the writer was free; false when someone still holds it (a write may be stuck behind
    /// a peer that stopped reading), so the caller should drop the transport itself.
    /// </summary>
    public bool Abort()
    {
        _aborted = true;
        if (!_lock.Wait(0)) return false;
        _lock.Release();
        return true;
    }

    /// <summary>
    /// Writes a PING when the writer is free, without waiting; false when it is busy (frames are going out, so the
    /// sweep tries again next round) or the connection was aborted.
    /// </summary>
    public bool TryPing()
    {
        // Not TryEnter: a PING is not a write that makes the next one unnecessary.
        if (_aborted || !_lock.Wait(0)) return false;
        var handedOff = false;
        try
        {
            WriteRaw(PingFrame);
            var flush = FlushAsync(CancellationToken.None);
            if (!flush.IsCompleted)
            {
                // A peer that reads slowly: keep the writer until the flush completes, as a text frame would.
                handedOff = true;
                _ = ExitAfterFlushAsync(flush);
                return true;
            }
            flush.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            if (!handedOff) Exit();
        }
    }

    /// <summary>Writes bytes the WebSocket framed itself (or the 101), taking the writer for the duration.</summary>
    public async ValueTask WriteLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            if (_aborted) throw new IOException("The connection was aborted.");
            WriteRaw(bytes.Span);
            await FlushAsync(cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    // Only when not set already: a fan-out's delivery then reads this line without dirtying it.
    private void NoteWrite()
    {
        if (!_written) _written = true;
    }

    /// <summary>The length of a final text frame around a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int TextFrameLength(int payloadLength) =>
        (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + payloadLength;

    /// <summary>Writes the frame (header, then payload) into <paramref name="destination"/>, exactly its length.</summary>
    public static void FrameText(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        var headerLength = destination.Length - payload.Length;
        destination[0] = 0x81; // FIN + text
        if (headerLength == 2)
        {
            destination[1] = (byte)payload.Length;
        }
        else if (headerLength == 4)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
        }
        else
        {
            destination[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payload.Length);
        }
        payload.CopyTo(destination[headerLength..]);
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(count, MinimumBuffer));
        }
        else if (_buffer.Length - _length < count)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + count, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer.AsSpan(_length, count);
    }

    /// <summary>Returns the buffer to the pool; the bytes in it are sent or given up.</summary>
    private void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _length = 0;
    }

    private async ValueTask SendRestAsync(Socket socket, int sent, CancellationToken cancellationToken)
    {
        try
        {
            while (sent < _length)
            {
                if (_aborted) throw new IOException("The connection was aborted.");
                sent += await socket.SendAsync(_buffer.AsMemory(sent, _length - sent), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            throw new IOException("The connection is closed.", e);
        }
        finally
        {
            Release();
        }
    }

    private async Task ExitAfterFlushAsync(ValueTask flush)
    {
        try
        {
            await flush;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The peer is gone: the receive side notices and closes the connection.
        }
        finally
        {
            Exit();
        }
    }
}
