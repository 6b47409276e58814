using System.Buffers;
using System.IO.Pipelines;

namespace RetroIm.Relay.Transport;

/// <summary>
/// The connection's transport pipe as the Stream <c>WebSocket.CreateFromStream</c> wants. It has no buffer of its
/// own: a zero-byte read waits on the pipe without copying or holding anything (the transport's own pooled
/// segments are returned once consumed), and writes go through <see cref="FrameOutput"/>, whose lock keeps the
/// WebSocket's own frames from interleaving with the relay's.
/// </summary>
/// <param name="abortTransport">Drops the TCP connection; called when the stream is disposed while a write is stuck.</param>
internal sealed class DuplexPipeStream(PipeReader input, FrameOutput output, Action abortTransport) : Stream
{
    private readonly PipeReader _input = input;
    private readonly FrameOutput _output = output;
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = await _input.ReadAsync(cancellationToken);
            // Only Dispose cancels reads: the WebSocket was aborted.
            if (result.IsCanceled) throw new OperationCanceledException("The connection was aborted.");
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                _output.NoteInbound();
                if (destination.IsEmpty)
                {
                    // A zero-byte read: data is there, leave it where it is.
                    _input.AdvanceTo(buffer.Start);
                    return 0;
                }
                var count = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, count).CopyTo(destination.Span);
                _input.AdvanceTo(buffer.GetPosition(count));
                return count;
            }
            _input.AdvanceTo(buffer.End);
            if (result.IsCompleted) return 0;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _output.WriteLockedAsync(source, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous I/O is not supported.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous I/O is not supported.");

    public override void Flush()
    {
        // Writes flush as they go.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // The WebSocket disposes its stream when aborted or closed: wake a pending read, and a write stuck behind a
        // peer that stopped reading. The pipes themselves belong to the transport, which completes them when the
        // connection middleware returns.
        if (disposing && !_disposed)
        {
            _disposed = true;
            _input.CancelPendingRead();
            if (!_output.Abort()) abortTransport();
        }
        base.Dispose(disposing);
    }
}
