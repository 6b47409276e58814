using System.Net.WebSockets;
using System.Threading.Channels;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // Frames written back to back before one flush, so a burst costs one send call, not one per frame.
    private const int FlushThreshold = 16 * 1024;

    // Replayed frames gather up to this many before they are written, so a replay is a few send calls, not one per frame.
    private const int ReplayBatch = 64;

    // ---- with a FrameOutput (the relay upgraded the socket itself) ----
    private readonly FrameOutput? _output;

    // Set once the welcome is out: from then on frames are written by whoever sends them.
    private FrameOutput? _direct;

    // Frames waiting for the writer, oldest first; allocated the first time one has to wait, guarded by locking it.
    private Queue<OutFrame>? _pending;
    private int _pendingCount;
    private int _closeFrameStarted;
    private Task? _closing;

    // ---- without one (HTTP pipeline, SSE): a bounded channel and a send loop ----
    private readonly Channel<OutFrame>? _queue;
    private Task? _sending;

    /// <summary>
    /// Sends a frame without waiting: written at once when the socket is free and nothing waits before it, else queued
    /// behind what waits. A full queue closes the connection as a slow consumer (1013). False when the frame was
    /// dropped (the connection is closing): the caller tells its receipt. With a <paramref name="batch"/> a lone frame
    /// without a receipt joins it instead, and goes out with the batch's other sends in one system call; a frame that
    /// follows this connection's own entry in the batch joins that send (a burst, sent connection by connection).
    /// </summary>
    public bool TrySend(in OutFrame frame, SendBatch? batch = null)
    {
        if (_queue is { } queue)
        {
            if (queue.Writer.TryWrite(frame)) return true;
            SlowConsumer();
            return false;
        }
        if (CloseStatus != 0) return false;
        if (Volatile.Read(ref _pendingCount) == 0 && _direct is { } output && output.TryEnter())
        {
            // The close status is checked again with the writer held: a close frame written meanwhile must be the last.
            if (frame.Receipt is not null || CloseStatus != 0)
            {
                if (WriteAndExit(output, frame) && Volatile.Read(ref _pendingCount) != 0) Pump();
                return true;
            }
            // The batch keeps the writer until its sends are out, then hands it back through CompleteLoneSend.
            if (batch is not null && output.IsIdle && batch.TryAdd(this, output, frame)) return true;
            SendLone(output, frame);
            return true;
        }
        // The writer is busy. When the batch holds it for this connection's last frame (so no close frame went out
        // since) and nothing is queued behind that frame, this one follows it in the same send.
        if (batch is not null && frame.Receipt is null && Volatile.Read(ref _pendingCount) == 0 && batch.TryAppend(this, frame)) return true;
        if (!Enqueue(frame, force: false))
        {
            SlowConsumer();
            return false;
        }
        Pump();
        return true;
    }

    /// <summary>Queues a replayed frame or a recovery control frame in order; with a FrameOutput replayed frames gather and go out in batches.</summary>
    private ValueTask SendInOrderAsync(OutFrame frame, bool gather, CancellationToken cancellationToken)
    {
        if (_queue is { } queue) return queue.Writer.WriteAsync(frame, cancellationToken);
        if (CloseStatus != 0) throw new ChannelClosedException("The connection is closing.");
        Enqueue(frame, force: true);
        return gather && Volatile.Read(ref _pendingCount) < ReplayBatch ? ValueTask.CompletedTask : WritePendingAsync(cancellationToken);
    }

    /// <summary>Writes every queued frame, waiting for the writer and for the kernel (replays: the back-pressure).</summary>
    private async ValueTask WritePendingAsync(CancellationToken cancellationToken)
    {
        if (_direct is not { } output) return; // the welcome is not out yet: it writes them
        await output.EnterAsync(cancellationToken);
        try
        {
            await DrainHeldAsync(output, null);
        }
        finally
        {
            output.ExitQuietly();
        }
        Pump();
    }

    private bool Enqueue(in OutFrame frame, bool force)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null)
        {
            pending = new Queue<OutFrame>();
            pending = Interlocked.CompareExchange(ref _pending, pending, null) ?? pending;
        }
        lock (pending)
        {
            if (!force && pending.Count >= _sendQueueLimit) return false;
            pending.Enqueue(frame);
            Volatile.Write(ref _pendingCount, pending.Count);
        }
        return true;
    }

    private bool TryDequeue(out OutFrame frame)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null)
        {
            frame = default;
            return false;
        }
        lock (pending)
        {
            var taken = pending.TryDequeue(out frame);
            Volatile.Write(ref _pendingCount, pending.Count);
            return taken;
        }
    }

    private void SlowConsumer()
    {
        if (!Close(ImCloseCodes.TryAgainLater, "slow consumer: send queue full")) return;
        _metrics.QueueDrop();
        RelayLog.SlowConsumer(_logger, ConnectionId, ClientId);
    }

    /// <summary>
    /// Writes what waits, if the writer is free: called after a frame was queued and whenever a writer gives the socket
    /// back, so a queued frame never stays behind. Frames queued after the close are dropped (receipts: not written).
    /// </summary>
    private void Pump()
    {
        while (Volatile.Read(ref _pendingCount) != 0 && _direct is { } output && output.TryEnter())
        {
            if (!WriteAndExit(output, null)) return;
        }
    }

    /// <summary>
    /// A fan-out's usual case, nothing waiting and no receipt due: the frame goes out in one system call, with no task
    /// and no pooled buffer; what the kernel did not take goes out with the flush (<see cref="WriteAndExit"/>).
    /// </summary>
    private void SendLone(FrameOutput output, in OutFrame frame)
    {
        var sent = output.TrySendText(frame.Data);
        _metrics.MessageOut(frame.Data.Length);
        ExitAfterLone(output, sent);
    }

    /// <summary>
    /// A <see cref="SendBatch"/>'s result for a frame it took with the writer: <paramref name="sent"/> bytes of
    /// <paramref name="framed"/> reached the kernel; the rest goes out with the flush, as after <see cref="SendLone"/>.
    /// The batch counts its frames in the metrics.
    /// </summary>
    internal void CompleteLoneSend(FrameOutput output, ReadOnlySpan<byte> framed, int sent)
    {
        if (sent < framed.Length) output.WriteRaw(framed[sent..]);
        ExitAfterLone(output, sent >= framed.Length);
    }

    /// <summary>Gives the writer back after a lone frame, flushing first what the kernel did not take; then writes what queued meanwhile.</summary>
    private void ExitAfterLone(FrameOutput output, bool allSent)
    {
        if (allSent) output.ExitQuietly();
        else if (!WriteAndExit(output, null)) return;
        if (Volatile.Read(ref _pendingCount) != 0) Pump();
    }

    /// <summary>
    /// With the writer held: writes <paramref name="first"/> and what waits, then gives the writer back — at once (true),
    /// or, when the kernel pushed back, once the rest is out (false: later frames queue behind it meanwhile).
    /// </summary>
    private bool WriteAndExit(FrameOutput output, OutFrame? first)
    {
        var drain = DrainHeldAsync(output, first);
        if (!drain.IsCompleted)
        {
            _ = ExitWhenDrainedAsync(output, drain);
            return false;
        }
        output.ExitQuietly();
        return true;
    }

    private async Task ExitWhenDrainedAsync(FrameOutput output, ValueTask drain)
    {
        try
        {
            await drain;
        }
        finally
        {
            output.ExitQuietly();
        }
        Pump();
    }

    /// <summary>
    /// With the writer held: writes <paramref name="first"/>, then every queued frame, flushing at the end, every
    /// <see cref="FlushThreshold"/> bytes and after a frame with a receipt (which then hears it was written). Completes
    /// synchronously unless the kernel pushed back. Never throws: a failed write closes the connection.
    /// </summary>
    private async ValueTask DrainHeldAsync(FrameOutput output, OutFrame? first)
    {
        var next = first;
        while (true)
        {
            OutFrame frame;
            if (next is { } given)
            {
                frame = given;
                next = null;
            }
            else if (!TryDequeue(out frame))
            {
                break;
            }
            if (CloseStatus != 0)
            {
                frame.Receipt?.Complete(frame.Slot, false);
                continue;
            }
            output.WriteText(frame.Data);
            _metrics.MessageOut(frame.Data.Length);
            if (frame.Receipt is null && output.Unflushed < FlushThreshold && Volatile.Read(ref _pendingCount) > 0) continue;
            var written = await FlushAsync(output);
            frame.Receipt?.Complete(frame.Slot, written);
        }
        if (output.Unflushed > 0) await FlushAsync(output);
    }

    private async ValueTask<bool> FlushAsync(FrameOutput output)
    {
        try
        {
            await output.FlushAsync(CancellationToken.None);
            return true;
        }
        catch (Exception e) when (IsSocketFailure(e) || e is InvalidOperationException)
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
            Close((int)WebSocketCloseStatus.EndpointUnavailable, "");
            return false;
        }
    }

    private async Task WriteWelcomeAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        var output = _output!;
        await output.EnterAsync(cancellationToken);
        try
        {
            output.WriteText(welcome);
            if (await FlushAsync(output)) _metrics.MessageOut(welcome.Length);
            Volatile.Write(ref _direct, output);
            // Frames queued while the connection registered follow the welcome, in order.
            await DrainHeldAsync(output, null);
        }
        finally
        {
            output.ExitQuietly();
        }
        Pump();
        // A close asked for before the welcome was out waited for it.
        if (CloseStatus != 0) StartCloseFrame();
    }

    /// <summary>Sends the close frame once, behind the frame being written; not before the welcome.</summary>
    private void StartCloseFrame()
    {
        if (Volatile.Read(ref _direct) is null || Interlocked.Exchange(ref _closeFrameStarted, 1) != 0) return;
        Volatile.Write(ref _closing, _socket is null ? SendRawCloseFrameAsync() : SendCloseFrameAsync(CancellationToken.None));
    }

    /// <summary>The close frame's write, once started: waits out the instant between another thread starting it and publishing its task.</summary>
    private Task? ClosingTask()
    {
        if (Volatile.Read(ref _closeFrameStarted) == 0) return null;
        var spin = new SpinWait();
        Task? closing;
        while ((closing = Volatile.Read(ref _closing)) is null) spin.SpinOnce();
        return closing;
    }

    /// <summary>
    /// Without a FrameOutput, the only writer of the socket: the welcome, then queued frames one at a time, then the
    /// close frame. While idle it waits on the queue and holds nothing but the queue itself.
    /// </summary>
    private async Task SocketSendLoopAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        var reader = _queue!.Reader;
        try
        {
            await _socket!.SendAsync(welcome, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            _metrics.MessageOut(welcome.Length);
            while (CloseStatus == 0 && await reader.WaitToReadAsync(cancellationToken))
            {
                while (CloseStatus == 0 && reader.TryRead(out var frame))
                {
                    var written = false;
                    try
                    {
                        await _socket!.SendAsync(frame.Data, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                        written = true;
                    }
                    finally
                    {
                        frame.Receipt?.Complete(frame.Slot, written);
                    }
                    _metrics.MessageOut(frame.Data.Length);
                }
            }
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
            Close((int)WebSocketCloseStatus.EndpointUnavailable, "");
        }
        finally
        {
            // Frames left behind were never written: tell their receipts so.
            while (reader.TryRead(out var dropped)) dropped.Receipt?.Complete(dropped.Slot, false);
        }
        await SendCloseFrameAsync(cancellationToken);
    }

    private async Task SendCloseFrameAsync(CancellationToken cancellationToken)
    {
        if (_socket!.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            await _socket.CloseOutputAsync((WebSocketCloseStatus)CloseStatus, _closeReason, cancellationToken);
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
        }
    }
}
