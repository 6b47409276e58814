using System.Net.WebSockets;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // Frames written back to back before one flush, so a burst costs one send call, not one per frame.
    private const int FlushThreshold = 16 * 1024;

    // Set once the welcome is out: from then on TrySend may write a frame itself when the queue is empty.
    private FrameOutput? _direct;

    /// <summary>
    /// The socket's transport writer, when the socket was upgraded by <see cref="RelayUpgradeMiddleware"/>: the relay
    /// then frames its text messages itself, and a frame for an idle connection is written by the sender (the
    /// dispatcher, usually) at once instead of waking this connection's send loop. Null: everything goes through
    /// <see cref="WebSocket.SendAsync(ArraySegment{byte}, WebSocketMessageType, bool, CancellationToken)"/>.
    /// </summary>
    internal FrameOutput? Output { get; set; }

    /// <summary>
    /// The fast path of <see cref="TrySend"/>: with the writer free, nothing queued and the connection open, the
    /// frame goes straight into the transport pipe. Order holds because the queue is only read, and frames only
    /// written, by whoever holds the writer. False: queue it.
    /// </summary>
    private bool TryWriteDirect(in OutFrame frame)
    {
        var output = _direct;
        if (output is null || !output.TryEnter()) return false;
        var handedOff = false;
        try
        {
            if (CloseStatus != 0 || _queue.Reader.Count != 0) return false;
            output.WriteText(frame.Data);
            var flush = output.FlushAsync(CancellationToken.None);
            if (!flush.IsCompleted)
            {
                // The peer reads slowly (the transport's buffer is full): the writer stays taken until the flush
                // completes, so later frames queue up and a peer that never catches up trips the queue limit (1013).
                handedOff = true;
                _ = FinishDirectFlushAsync(output, flush, frame.Receipt, frame.Slot, frame.Data.Length);
                return true;
            }
            flush.GetAwaiter().GetResult();
            _metrics.MessageOut(frame.Data.Length);
            frame.Receipt?.Complete(frame.Slot, true);
            return true;
        }
        catch (Exception e) when (IsSocketFailure(e) || e is InvalidOperationException)
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
            frame.Receipt?.Complete(frame.Slot, false);
            Close((int)WebSocketCloseStatus.EndpointUnavailable, "");
            return true;
        }
        finally
        {
            if (!handedOff) output.Exit();
        }
    }

    private async Task FinishDirectFlushAsync(FrameOutput output, ValueTask flush, Routing.ReceiptTracker? receipt, int slot, int length)
    {
        var written = false;
        try
        {
            await flush;
            written = true;
            _metrics.MessageOut(length);
        }
        catch (Exception e) when (IsSocketFailure(e) || e is InvalidOperationException)
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
            Close((int)WebSocketCloseStatus.EndpointUnavailable, "");
        }
        finally
        {
            output.Exit();
            receipt?.Complete(slot, written);
        }
    }

    /// <summary>
    /// The only writer of the socket: the welcome, then queued frames one at a time, then the close frame. While idle
    /// it waits on the queue and holds nothing but the queue itself.
    /// </summary>
    private Task SendLoopAsync(byte[] welcome, CancellationToken cancellationToken) =>
        Output is { } output ? PipeSendLoopAsync(output, welcome, cancellationToken) : SocketSendLoopAsync(welcome, cancellationToken);

    /// <summary>
    /// <see cref="SendLoopAsync"/> over <see cref="Output"/>: frames queued while the writer was busy are written back to
    /// back and flushed together; the close frame still goes through the WebSocket.
    /// </summary>
    private async Task PipeSendLoopAsync(FrameOutput output, byte[] welcome, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            await output.EnterAsync(cancellationToken);
            try
            {
                output.WriteText(welcome);
                await output.FlushAsync(cancellationToken);
                _metrics.MessageOut(welcome.Length);
                _direct = output;
            }
            finally
            {
                output.Exit();
            }
            while (CloseStatus == 0 && await reader.WaitToReadAsync(cancellationToken))
            {
                await output.EnterAsync(cancellationToken);
                try
                {
                    while (CloseStatus == 0 && reader.TryRead(out var frame))
                    {
                        output.WriteText(frame.Data);
                        _metrics.MessageOut(frame.Data.Length);
                        if (frame.Receipt is null && output.Unflushed < FlushThreshold && reader.Count > 0) continue;
                        var written = false;
                        try
                        {
                            await output.FlushAsync(cancellationToken);
                            written = true;
                        }
                        finally
                        {
                            frame.Receipt?.Complete(frame.Slot, written);
                        }
                    }
                    if (output.Unflushed > 0) await output.FlushAsync(cancellationToken);
                }
                finally
                {
                    output.Exit();
                }
            }
        }
        catch (Exception e) when (IsSocketFailure(e) || e is InvalidOperationException)
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
            Close((int)WebSocketCloseStatus.EndpointUnavailable, "");
        }
        finally
        {
            while (reader.TryRead(out var dropped)) dropped.Receipt?.Complete(dropped.Slot, false);
        }
        await SendCloseFrameAsync(cancellationToken);
    }

    private async Task SocketSendLoopAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            await _socket.SendAsync(welcome, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            _metrics.MessageOut(welcome.Length);
            while (CloseStatus == 0 && await reader.WaitToReadAsync(cancellationToken))
            {
                while (CloseStatus == 0 && reader.TryRead(out var frame))
                {
                    var written = false;
                    try
                    {
                        await _socket.SendAsync(frame.Data, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
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
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
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
