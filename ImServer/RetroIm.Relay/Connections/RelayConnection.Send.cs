using System.Net.WebSockets;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    /// <summary>
    /// The only writer of the socket: the welcome, then queued frames one at a time, then the close frame. While idle
    /// it waits on the queue and holds nothing but the queue itself.
    /// </summary>
    private async Task SendLoopAsync(byte[] welcome, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            await _socket.SendAsync(welcome, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
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
                    _metrics.MessageOut();
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
