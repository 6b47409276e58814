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
/// once per receiver. What the kernel did not take (a full socket buffer: EAGAIN or a short send) goes to that
/// connection's ordinary flush, which finishes it asynchronously; a failed send is reported by that flush as well, so a
/// batched send fails exactly as a plain one does. Rent one from <see cref="SendBatchPool"/>, flush it, dispose it.
/// </remarks>
internal sealed unsafe class SendBatch : IDisposable
{
    private const int BufferSize = 256 * 1024;

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
        _entries[_count] = new Entry(connection, output, handle, _lastOffset, frame.Data.Length);
        _fds[_count] = (int)handle.DangerousGetHandle();
        _addresses[_count] = (nint)(_buffer + _lastOffset);
        _lengths[_count] = _lastLength;
        _count++;
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
        for (var i = 0; i < count; i++)
        {
            ref var entry = ref _entries[i];
            bytes += entry.PayloadLength;
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
        _pool.Sent(count, bytes);
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

    private readonly record struct Entry(RelayConnection Connection, FrameOutput Output, SafeSocketHandle Handle, int Offset, int PayloadLength);
}
