using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace RetroIm.Relay.Transport;

/// <summary>
/// The write side of a connection upgraded by <see cref="RelayUpgradeMiddleware"/>: the transport's PipeWriter
/// behind one lock, shared by the WebSocket (its PING, PONG and close frames, through <see cref="DuplexPipeStream"/>)
/// and the relay's own text frames. Server frames are unmasked, so a text frame is a 2–10 byte header written in
/// front of the shared payload straight into the transport's pooled buffer — no per-send rented buffer, no copy of
/// the payload but that one, and several frames may go out with one flush.
/// </summary>
internal sealed class FrameOutput(PipeWriter output)
{
    // FIN + PING, no payload: the node's keep-alive sweep writes it (server frames are unmasked).
    private static readonly byte[] PingFrame = [0x89, 0x00];

    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _aborted;
    private long _lastInbound = Environment.TickCount64;

    /// <summary>When the peer last sent any bytes, PONGs included (<see cref="Environment.TickCount64"/>).</summary>
    public long LastInbound => Volatile.Read(ref _lastInbound);

    /// <summary>Called by <see cref="DuplexPipeStream"/> when bytes arrive: the peer is alive.</summary>
    public void NoteInbound() => Volatile.Write(ref _lastInbound, Environment.TickCount64);

    /// <summary>Bytes written but not flushed yet.</summary>
    public long Unflushed => output.UnflushedBytes;

    /// <summary>Takes the writer if nobody holds it, without waiting.</summary>
    public bool TryEnter() => _lock.Wait(0);

    public Task EnterAsync(CancellationToken cancellationToken) => _lock.WaitAsync(cancellationToken);

    public void Exit() => _lock.Release();

    /// <summary>Writes one final text frame holding <paramref name="payload"/> (hold the writer).</summary>
    public void WriteText(ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var span = output.GetSpan(headerLength + payload.Length);
        span[0] = 0x81; // FIN + text
        if (headerLength == 2)
        {
            span[1] = (byte)payload.Length;
        }
        else if (headerLength == 4)
        {
            span[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)payload.Length);
        }
        else
        {
            span[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(span[2..], (ulong)payload.Length);
        }
        payload.CopyTo(span[headerLength..]);
        output.Advance(headerLength + payload.Length);
    }

    /// <summary>Flushes (hold the writer); throws IOException when the peer is gone.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_aborted) throw new IOException("The connection was aborted.");
        var flush = output.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            ThrowIfClosed(flush.Result);
            return ValueTask.CompletedTask;
        }
        return AwaitFlushAsync(flush);
    }

    /// <summary>
    /// For aborts: every later write fails at once, and a flush waiting for the peer returns (as a closed
    /// connection). True when the writer was free; false when someone still holds it (a write may be stuck behind
    /// a peer that stopped reading), so the caller should drop the transport itself.
    /// </summary>
    public bool Abort()
    {
        _aborted = true;
        output.CancelPendingFlush();
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
        if (_aborted || !TryEnter()) return false;
        var handedOff = false;
        try
        {
            output.Write(PingFrame);
            var flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                // A peer that reads slowly: keep the writer until the flush completes, as a text frame would.
                handedOff = true;
                _ = ExitAfterFlushAsync(flush);
                return true;
            }
            return !flush.Result.IsCanceled && !flush.Result.IsCompleted;
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

    /// <summary>Writes bytes the WebSocket framed itself, taking the writer for the duration.</summary>
    public async ValueTask WriteLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_aborted) throw new IOException("The connection was aborted.");
            ThrowIfClosed(await output.WriteAsync(bytes, cancellationToken));
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ExitAfterFlushAsync(ValueTask<FlushResult> flush)
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

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => ThrowIfClosed(await flush);

    private static void ThrowIfClosed(FlushResult result)
    {
        if (result.IsCanceled || result.IsCompleted) throw new IOException("The connection is closed.");
    }
}
