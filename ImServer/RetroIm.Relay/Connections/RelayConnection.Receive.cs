using System.Buffers;
using System.Net.WebSockets;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    private const int InitialReceiveBuffer = 4096;

    /// <summary>
    /// Runs the receive loop until the socket is closed, then finishes the close handshake. The loop is the awaiting
    /// method itself, not one awaited by a runner: each level of awaiting method is an object every idle connection keeps.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken) => _socket is null ? RunRawAsync(cancellationToken) : RunSocketAsync(cancellationToken);

    /// <summary>
    /// <see cref="RunAsync"/> over a WebSocket object (HTTP pipeline, SSE). It waits with zero-byte reads, so an idle
    /// connection holds no receive buffer; a buffer is rented from the pool only while a message is arriving and
    /// returned as soon as it has been handled.
    /// </summary>
    private async Task RunSocketAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var head = await _socket!.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
                Volatile.Write(ref _lastReceiveTimestamp, _time.GetTimestamp());
                if (head.MessageType == WebSocketMessageType.Close) return;
                if (CloseStatus != 0)
                {
                    await DrainUntilCloseAsync(cancellationToken);
                    return;
                }
                if (head.MessageType == WebSocketMessageType.Binary)
                {
                    Close(ImCloseCodes.PolicyViolation, "binary frames are not supported: send JSON text");
                    await DrainUntilCloseAsync(cancellationToken);
                    return;
                }
                if (!await ReceiveTextAsync(head.EndOfMessage, cancellationToken))
                {
                    if (_socket!.State != WebSocketState.CloseReceived) await DrainUntilCloseAsync(cancellationToken);
                    return;
                }
            }
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            RelayLog.ConnectionFailed(_logger, ConnectionId, e.Message);
        }
        finally
        {
            // The client went away (or closed): stop sending; when nobody asked to close yet this echoes the client's
            // own close code.
            var clientStatus = _socket!.CloseStatus;
            Close(clientStatus is null or WebSocketCloseStatus.Empty ? (int)WebSocketCloseStatus.NormalClosure : (int)clientStatus, "");
            if (_sending is { } sending) await sending;
            if (ClosingTask() is { } closing) await closing;
        }
    }

    /// <summary>Assembles one text message up to MaxFrameBytes and handles it; false when the connection is closing.</summary>
    private async Task<bool> ReceiveTextAsync(bool alreadyComplete, CancellationToken cancellationToken)
    {
        // One byte over the limit is enough to know a message is too big.
        var limit = _maxFrameBytes + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialReceiveBuffer, limit));
        try
        {
            var length = 0;
            var complete = alreadyComplete;
            while (!complete)
            {
                if (length == Math.Min(buffer.Length, limit))
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await _socket!.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit) - length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close) return false;
                length += result.Count;
                complete = result.EndOfMessage;
                if (length > _maxFrameBytes)
                {
                    if (Close(ImCloseCodes.MessageTooBig, $"frame larger than {_maxFrameBytes} bytes")) _metrics.LimitExceeded("frame_size");
                    return false;
                }
            }
            _metrics.MessageIn(length);
            // Rate-limited once the type is known: acks and pings have a budget of their own (RelayConnection.Limits).
            if (!Handle(buffer.AsSpan(0, length))) return false;
            await RunPendingCommandAsync(cancellationToken);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles one client frame; false when it was over the client's rate limit (the connection is closing).</summary>
    private bool Handle(ReadOnlySpan<byte> frame)
    {
        var type = ClientFrameReader.ReadType(frame, out var error);
        if (!TakeFrameToken(type)) return false;
        if (type == "ping")
        {
            TrySend(new OutFrame(ClientFrames.Pong));
        }
        else if (type is null)
        {
            RelayLog.BadClientFrame(_logger, ConnectionId, error);
            TrySend(new OutFrame(ClientFrames.Error(ImErrorCodes.BadJson, error ?? "malformed frame")));
        }
        else if (type == "ack")
        {
            HandleAck(frame);
        }
        else if (!TryTakeCommand(type, frame))
        {
            RelayLog.BadClientFrame(_logger, ConnectionId, "unknown type");
            TrySend(new OutFrame(ClientFrames.Error(ImErrorCodes.UnknownType, $"unknown frame type \"{type}\"")));
        }
        return true;
    }

    /// <summary>Reads and discards whatever still arrives until the client's close frame (bounded by the close timeout).</summary>
    private async Task DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (true)
            {
                var result = await _socket!.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
