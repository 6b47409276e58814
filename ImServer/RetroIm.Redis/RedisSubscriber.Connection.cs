using RetroIm.Redis.Protocol;
using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

public sealed partial class RedisSubscriber
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    /// <summary>Connect, resubscribe, read until the connection breaks, wait, repeat — until disposed.</summary>
    private async Task RunAsync(CancellationToken stop)
    {
        var delay = FirstDelay;
        while (!stop.IsCancellationRequested)
        {
            RedisTransport transport;
            try
            {
                transport = await RedisTransport.ConnectAsync(_options, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RedisConnectionException ex)
            {
                RedisLog.SubscriberConnectFailed(_logger, _options.Endpoint, (long)delay.TotalMilliseconds, ex);
                if (!await DelayAsync(delay, stop).ConfigureAwait(false))
                {
                    return;
                }

                delay = Next(delay);
                continue;
            }

            delay = FirstDelay;
            var error = await RunConnectionAsync(transport, stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            RedisLog.SubscriberLost(_logger, transport.Endpoint, (long)delay.TotalMilliseconds, error);
            if (!await DelayAsync(delay, stop).ConfigureAwait(false))
            {
                return;
            }

            delay = Next(delay);
        }
    }

    /// <summary>Serves one connection from resubscription to loss; returns why it ended.</summary>
    private async Task<Exception?> RunConnectionAsync(RedisTransport transport, CancellationToken stop)
    {
        string[] channels;
        lock (_sync)
        {
            if (stop.IsCancellationRequested)
            {
                channels = [];
            }
            else
            {
                // Published under the lock together with the snapshot: a SubscribeAsync that misses the snapshot
                // sees the transport and sends its own SUBSCRIBE.
                _transport = transport;
                channels = [.. _handlers.Keys];
                _awaitingResubscribe = new HashSet<string>(channels, StringComparer.Ordinal);
            }
        }

        if (stop.IsCancellationRequested)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        Volatile.Write(ref _lastReceivedAt, Environment.TickCount64);
        var reading = ReadLoopAsync(transport);
        var keepAlive = KeepAliveAsync(transport, reading, stop);
        if (channels.Length == 0)
        {
            OnResubscribed(transport);
        }
        else
        {
            await SendAsync(transport, "SUBSCRIBE", Array.ConvertAll(channels, c => (RedisArg)c)).ConfigureAwait(false);
        }

        var error = await reading.ConfigureAwait(false);
        await keepAlive.ConfigureAwait(false);
        bool wasConnected;
        List<TaskCompletionSource> unsubscribed;
        lock (_sync)
        {
            _transport = null;
            _awaitingResubscribe = null;
            wasConnected = _isConnected;
            _isConnected = false;

            // The server forgot every subscription with the connection, so pending UNSUBSCRIBEs are done.
            unsubscribed = [.. _unsubscribeWaiters.Values];
            _unsubscribeWaiters.Clear();
        }

        foreach (var waiter in unsubscribed)
        {
            waiter.TrySetResult();
        }

        // Taking the write lock makes sure no SendAsync is still using the pipe we are about to complete.
        await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }

        if (wasConnected && !stop.IsCancellationRequested)
        {
            RaiseConnectionChanged(false);
        }

        return error;
    }

    /// <summary>Writes one command; a failure just breaks the connection, after which the run loop resubscribes.</summary>
    private async Task SendAsync(RedisTransport transport, string command, IReadOnlyList<RedisArg> args)
    {
        await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            RespWriter.WriteCommand(transport.Output, command, args);
            await transport.Output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            RedisLog.SubscriberSendFailed(_logger, command, ex);
            transport.Abort();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void RaiseConnectionChanged(bool connected)
    {
        var handlers = ConnectionChanged;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<bool>)handler)(connected);
            }
            catch (Exception ex)
            {
                RedisLog.ConnectionChangedHandlerFailed(_logger, ex);
            }
        }
    }

    private static TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
