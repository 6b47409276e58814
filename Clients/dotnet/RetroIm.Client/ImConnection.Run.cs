using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace RetroIm.Client;

public sealed partial class ImConnection
{
    /// <summary>The relay's close code for ForceOffline; never reconnect after it.</summary>
    private const int KickedCloseStatus = 4001;

    /// <summary>Keeps the connection up: receive until it drops, then reconnect, until closed or kicked.</summary>
    private async Task RunAsync(ClientWebSocket socket)
    {
        try
        {
            while (true)
            {
                var closeStatus = await ReceiveUntilClosedAsync(socket).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_socket == socket) _socket = null;
                }
                socket.Dispose();
                // A drain move opened the next socket before this one closed: carry on with it, no reconnect.
                if (await TakeHandoverAsync().ConfigureAwait(false) is { } handedOver)
                {
                    socket = handedOver;
                    continue;
                }
                var moved = Interlocked.Exchange(ref _moveRequested, 0) == 1;
                if (Volatile.Read(ref _closeRequested) == 1 || closeStatus == KickedCloseStatus || (!_options.AutoReconnect && !moved)) break;

                SetState(ImConnectionState.Reconnecting);
                var next = await ReconnectAsync(immediately: moved).ConfigureAwait(false);
                if (next is null) break;
                socket = next;
            }
        }
        finally
        {
            SetState(ImConnectionState.Closed);
            CompleteReaders();
        }
    }

    /// <summary>Attempts with exponential backoff and full jitter; null when closed meanwhile or out of attempts.</summary>
    private async Task<ClientWebSocket?> ReconnectAsync(bool immediately = false)
    {
        for (var attempt = 0; _options.MaxReconnectAttempts is not { } max || attempt < max; attempt++)
        {
            try
            {
                // A move the relay asked for was already spread out by its afterMs: no backoff on top.
                var delay = immediately && attempt == 0 ? TimeSpan.Zero : BackoffDelay(attempt);
                await Task.Delay(delay, _lifetime.Token).ConfigureAwait(false);
                return await ConnectOnceAsync(_lifetime.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                RaiseError(e);
            }
        }
        return null;
    }

    private TimeSpan BackoffDelay(int attempt)
    {
        var ceiling = Math.Min(_options.MaxReconnectDelay.TotalMilliseconds, _options.InitialReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        // Half fixed, half random: a node restart does not bring every client back in the same millisecond.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>Asks for a URL, opens the socket and reads the welcome, within <see cref="ImConnectionOptions.ConnectTimeout"/>.</summary>
    /// <param name="handover">A drain move: the welcome is kept for the run loop to dispatch once the old socket ended.</param>
    private async Task<ClientWebSocket> ConnectOnceAsync(CancellationToken cancellationToken, bool handover = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.CollectHttpResponseDetails = true;
            _options.ConfigureWebSocket?.Invoke(socket.Options);
            var url = WithRecover(await _connectUrlProvider(timeout.Token).ConfigureAwait(false));
            try
            {
                await socket.ConnectAsync(url, timeout.Token).ConfigureAwait(false);
            }
            catch (WebSocketException e) when (socket.HttpStatusCode != 0)
            {
                throw new WebSocketException(WebSocketError.NotAWebSocket,
                    $"The relay refused the connection with HTTP {(int)socket.HttpStatusCode} ({socket.HttpStatusCode}): " +
                    "401 means the token was unknown, used or expired; 421 that it was issued for another node.", e);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                var (frame, length, _) = await ReceiveFrameAsync(socket, buffer, timeout.Token).ConfigureAwait(false);
                var welcome = frame is null ? null : ImEnvelope.TryParse(frame.AsSpan(0, length), _options.JsonSerializerOptions);
                if (frame is not null && frame != buffer) ArrayPool<byte>.Shared.Return(frame);
                if (welcome?.Type != "welcome") throw new WebSocketException(WebSocketError.InvalidMessageType, "The relay's first frame was not a welcome.");
                Welcome = new ImWelcome(
                    welcome.Frame.GetProperty("clientId").GetString()!,
                    welcome.Frame.GetProperty("connectionId").GetString()!,
                    welcome.Frame.GetProperty("node").GetString()!);
                // Adopts the positions of streams not tracked yet; a move's welcome is tracked when dispatched, after
                // the old socket's last frames (else they could fall below the adopted positions and be dropped).
                if (!handover) Track(welcome);
                lock (_gate) _socket = socket;
                _lastReceivedTicks = Environment.TickCount64;
                SetState(ImConnectionState.Open);
                if (handover) _handoverWelcome = welcome;
                else Dispatch(welcome);
                return socket;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting took longer than {_options.ConnectTimeout}.", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads frames until the socket closes; returns the relay's close code (null when the socket just dropped).</summary>
    private async Task<int?> ReceiveUntilClosedAsync(ClientWebSocket socket)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        var pinging = PingLoopAsync(socket, stop.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                var (frame, length, close) = await ReceiveFrameAsync(socket, buffer, _lifetime.Token).ConfigureAwait(false);
                if (frame is null)
                {
                    LastCloseStatus = (int?)close;
                    LastCloseDescription = socket.CloseStatusDescription;
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    return (int?)close;
                }
                _lastReceivedTicks = Environment.TickCount64;
                var envelope = ImEnvelope.TryParse(frame.AsSpan(0, length), _options.JsonSerializerOptions);
                if (frame != buffer) ArrayPool<byte>.Shared.Return(frame);
                if (envelope is null) RaiseError(new JsonException("The relay sent a frame that is not a JSON object with a string \"type\"."));
                else
                {
                    if (envelope.Type == "reconnect" && _move is null) _move = MoveLaterAsync(socket, envelope, stop.Token);
                    if (Track(envelope)) Dispatch(envelope);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or TimeoutException)
        {
            if (!_lifetime.IsCancellationRequested) RaiseError(e);
            LastCloseStatus = null;
            LastCloseDescription = null;
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await stop.CancelAsync().ConfigureAwait(false);
            await pinging.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads one whole text frame. Returns the array holding it (the given buffer, or a larger pooled one the caller
    /// returns) and its length; or null and the close status when the relay closed.
    /// </summary>
    private async Task<(byte[]? Frame, int Length, WebSocketCloseStatus? Close)> ReceiveFrameAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var frame = buffer;
        var length = 0;
        while (true)
        {
            if (length == frame.Length)
            {
                if (frame.Length >= _options.MaxFrameBytes)
                {
                    if (frame != buffer) ArrayPool<byte>.Shared.Return(frame);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "frame too big", cancellationToken).ConfigureAwait(false);
                    throw new WebSocketException(WebSocketError.Faulted, $"The relay sent a frame over {_options.MaxFrameBytes} bytes.");
                }
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(frame.Length * 2, _options.MaxFrameBytes));
                frame.AsSpan(0, length).CopyTo(bigger);
                if (frame != buffer) ArrayPool<byte>.Shared.Return(frame);
                frame = bigger;
            }
            var result = await socket.ReceiveAsync(frame.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (frame != buffer) ArrayPool<byte>.Shared.Return(frame);
                return (null, 0, socket.CloseStatus);
            }
            length += result.Count;
            if (result.EndOfMessage) return (frame, length, null);
        }
    }

    private long _lastReceivedTicks;

    /// <summary>Pings every <see cref="ImConnectionOptions.PingInterval"/>; aborts the socket when the relay went silent.</summary>
    private async Task PingLoopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Environment.TickCount64 - Volatile.Read(ref _lastReceivedTicks) > _options.ServerTimeout.TotalMilliseconds)
                {
                    RaiseError(new TimeoutException($"Nothing received from the relay for {_options.ServerTimeout}; reconnecting."));
                    socket.Abort();
                    return;
                }
                await SendRawAsync(socket, PingFrame, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The receive loop sees the same failure and decides what happens next.
        }
    }
}
