using System.Net.Sockets;
using System.Runtime.InteropServices;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Transport.Uring;

/// <summary>
/// The lone frames of one fan-out, gathered and handed to the kernel up to <see cref="UringSendRing.Capacity"/> per
/// system call. Each entry holds its connection's writer from <see cref="TryAdd"/> until <see cref="Flush"/> has its
/// result, so frames for it sent meanwhile queue behind it, in order, exactly as behind a send in progress.
/// </summary>
/// <remarks>
/// A frame shared by every receiver (a channel's or a broadcast's) is framed once into the batch's native buffer, not
/// once per receiver. Frames for the connection added last can join its send (<see cref="TryAppend"/>): a burst of
/// messages to the same members costs one send per member, not one per message. What the kernel did not take (a full socket buffer: EAGAIN or a short send) goes to that
/// connection's ordinary flush, which finishes it asynchronously; a failed send is reported by that flush as well, so a
/// batched send fails exactly as a plain one does. Rent one from <see cref="SendBatchPool"/>, flush it, dispose it.
/// </remarks>
internal sealed unsafe class SendBatch : IDisposable
{
    private const int BufferSize = 256 * 1024;

    // The most bytes of one connection's coalesced frames (four lone frames at most): later frames of a longer burst
    // wait in its queue and go out with its next flush.
    private const int MaxCoalesced = 4 * FrameOutput.MaxLoneFrame;

    private readonly SendBatchPool _pool;
    private readonly UringSendRing _ring;
    private readonly byte* _buffer;
    private readonly Entry[] _entries = new Entry[UringSendRing.Capacity];
    private readonly int[] _fds = new int[UringSendRing.Capacity];
    private readonly nint[] _addresses = new nint[UringSendRing.Capacity];
    private readonly int[] _lengths = new int[UringSendRing.Capacity];
    private readonly int[] _results = new int[UringSendRing.Capacity];
    private int _count;
    private int _used;
    private byte[]? _lastPayload;
    private int _lastOffset;
    private int _lastLength;
    private bool _freed;
    private bool _broken;

    internal SendBatch(SendBatchPool pool, UringSendRing ring)
    {
        _pool = pool;
        _ring = ring;
        _buffer = (byte*)NativeMemory.Alloc(BufferSize);
    }

    /// <summary>
    /// Takes <paramref name="frame"/> for <paramref name="connection"/>, whose writer the caller holds and hands over:
    /// <see cref="Flush"/> sends it and gives the writer back through <see cref="RelayConnection.CompleteLoneSend"/>.
    /// False (the writer still the caller's) when the frame is too large, the socket is already closed, or the ring
    /// failed earlier in this fan-out.
    /// </summary>
    public bool TryAdd(RelayConnection connection, FrameOutput output, in OutFrame frame)
    {
        var length = FrameOutput.TextFrameLength(frame.Data.Length);
        if (length > FrameOutput.MaxLoneFrame || _broken) return false;
        var handle = output.Handle;
        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
        }
        catch (ObjectDisposedException)
        {
            // Closed under us: the ordinary send reports it.
        }
        if (!referenced) return false;
        var framed = ReferenceEquals(frame.Data, _lastPayload);
        if (_count == _entries.Length || (!framed && _used + length > BufferSize))
        {
            Flush();
            framed = false;
        }
        if (!framed)
        {
            FrameOutput.FrameText(new Span<byte>(_buffer + _used, length), frame.Data);
            _lastPayload = frame.Data;
            _lastOffset = _used;
            _lastLength = length;
            _used += length;
        }
        _entries[_count] = new Entry(connection, output, handle, _lastOffset, frame.Data.Length, 1, false);
        _fds[_count] = (int)handle.DangerousGetHandle();
        _addresses[_count] = (nint)(_buffer + _lastOffset);
        _lengths[_count] = _lastLength;
        _count++;
        return true;
    }

    /// <summary>
    /// Adds <paramref name="frame"/> to the send of the entry added last when that is <paramref name="connection"/>'s,
    /// so both go out in one system call, in order: the entry holds the writer, so nothing else was written meanwhile.
    /// The caller makes sure no frame of that connection waits in its queue (it would be overtaken). False, changing
    /// nothing, when the last entry is another connection's, or the frames would be too large together, or the buffer
    /// has no room left: the caller then queues the frame behind the entry.
    /// </summary>
    public bool TryAppend(RelayConnection connection, in OutFrame frame)
    {
        if (_count == 0 || _broken) return false;
        var last = _count - 1;
        ref var entry = ref _entries[last];
        if (!ReferenceEquals(entry.Connection, connection)) return false;
        var length = FrameOutput.TextFrameLength(frame.Data.Length);
        var merged = _lengths[last] + length;
        if (merged > MaxCoalesced) return false;
        if (entry.Own && entry.Offset + _lengths[last] == _used)
        {
            // Its bytes are its own and last in the buffer: the frame follows them in place.
            if (_used + length > BufferSize) return false;
        }
        else
        {
            // Its bytes are shared (a frame framed once for many): copied out first, the frame after them.
            if (_used + merged > BufferSize) return false;
            new ReadOnlySpan<byte>(_buffer + entry.Offset, _lengths[last]).CopyTo(new Span<byte>(_buffer + _used, _lengths[last]));
            entry = entry with { Offset = _used, Own = true };
            _used += _lengths[last];
        }
        FrameOutput.FrameText(new Span<byte>(_buffer + _used, length), frame.Data);
        _used += length;
        entry = entry with { PayloadLength = entry.PayloadLength + frame.Data.Length, Frames = entry.Frames + 1 };
        _addresses[last] = (nint)(_buffer + entry.Offset);
        _lengths[last] = merged;
        return true;
    }

    /// <summary>Sends every gathered frame, then hands each connection its result and its writer back. Never throws.</summary>
    public void Flush()
    {
        var count = _count;
        if (count == 0) return;
        if (!_ring.SendAll(_fds.AsSpan(0, count), _addresses.AsSpan(0, count), _lengths.AsSpan(0, count), _results))
        {
            // The rest of this fan-out goes one send at a time; the pool frees this batch when it comes back.
            _broken = true;
            _pool.Disable("io_uring_enter failed");
        }
        var bytes = 0L;
        var frames = 0;
        for (var i = 0; i < count; i++)
        {
            ref var entry = ref _entries[i];
            bytes += entry.PayloadLength;
            frames += entry.Frames;
            entry.Handle.DangerousRelease();
            try
            {
                var framed = new ReadOnlySpan<byte>(_buffer + entry.Offset, _lengths[i]);
                entry.Connection.CompleteLoneSend(entry.Output, framed, Math.Max(_results[i], 0));
            }
            catch (Exception e)
            {
                // Every other entry still gets its writer back.
                _pool.CompletionFailed(e);
            }
            entry = default;
        }
        _pool.Sent(frames, count, bytes);
        _count = 0;
        _used = 0;
        _lastPayload = null;
    }

    /// <summary>Flushes what is left and returns the batch to its pool.</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _pool.Return(this);
        }
    }

    /// <summary>Frees the ring and the buffer (the pool's, once the batch is no longer pooled).</summary>
    internal void Free()
    {
        if (_freed) return;
        _freed = true;
        _ring.Dispose();
        NativeMemory.Free(_buffer);
    }

    /// <summary>One send: <paramref name="Frames"/> frames at <paramref name="Offset"/>, in bytes of its own or shared.</summary>
    private readonly record struct Entry(RelayConnection Connection, FrameOutput Output, SafeSocketHandle Handle, int Offset, int PayloadLength, int Frames, bool Own);
}
