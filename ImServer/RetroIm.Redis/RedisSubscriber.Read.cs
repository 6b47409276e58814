using RetroIm.Redis.Protocol;
using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

public sealed partial class RedisSubscriber
{
    /// <summary>Parses pushes until the connection ends; returns why it ended (null when disposed).</summary>
    private async Task<Exception?> ReadLoopAsync(RedisTransport transport)
    {
        var input = transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                Volatile.Write(ref _lastReceivedAt, Environment.TickCount64);
                var buffer = result.Buffer;
                var delivered = false;
                try
                {
                    while (RespReader.TryRead(buffer, out var push, out var end))
                    {
                        buffer = buffer.Slice(end);
                        Dispatch(transport, push);
                        delivered = true;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (delivered) RaiseBurstDelivered();
                }

                if (result.IsCompleted)
                {
                    return new RedisConnectionException($"Redis at {transport.Endpoint} closed the subscriber connection.");
                }
            }
        }
        catch (Exception ex)
        {
            transport.Abort();
            return ex;
        }
    }

    private void Dispatch(RedisTransport transport, RespValue push)
    {
        if (push.Type == RespType.SimpleString)
        {
            return; // +PONG: a keep-alive PING answered while no channel was subscribed
        }

        var items = push.Items;
        var kind = items.Count > 0 ? items[0] : push;
        if (items.Count == 3 && kind.IsBulk("message"u8))
        {
            Deliver(items[1].AsString()!, items[2].Memory);
        }
        else if (items.Count == 3 && kind.IsBulk("subscribe"u8))
        {
            OnSubscribed(transport, items[1].AsString()!);
        }
        else if (items.Count == 3 && kind.IsBulk("unsubscribe"u8))
        {
            OnUnsubscribed(items[1].AsString()!);
        }
        else if (!kind.IsBulk("pong"u8))
        {
            // Error replies land here too (e.g. NOPERM for a channel): the matching SubscribeAsync times out.
            RedisLog.UnexpectedReply(_logger, push.ToString());
        }
    }

    private void RaiseBurstDelivered()
    {
        try
        {
            BurstDelivered?.Invoke();
        }
        catch (Exception ex)
        {
            RedisLog.BurstHandlerFailed(_logger, ex);
        }
    }

    private void Deliver(string channel, ReadOnlyMemory<byte> payload)
    {
        if (!_handlers.TryGetValue(channel, out var handler))
        {
            return; // unsubscribed while the message was in flight
        }

        try
        {
            handler(channel, payload);
        }
        catch (Exception ex)
        {
            RedisLog.HandlerFailed(_logger, channel, ex);
        }
    }

    private void OnSubscribed(RedisTransport transport, string channel)
    {
        TaskCompletionSource? waiter;
        bool resubscribed;
        lock (_sync)
        {
            _subscribeWaiters.Remove(channel, out waiter);
            resubscribed = _awaitingResubscribe is { } awaiting && ReferenceEquals(transport, _transport)
                && awaiting.Remove(channel) && awaiting.Count == 0;
        }

        // Announce the whole subscriber first, so IsConnected is already true when SubscribeAsync returns.
        if (resubscribed)
        {
            OnResubscribed(transport);
        }

        waiter?.TrySetResult();
    }

    private void OnUnsubscribed(string channel)
    {
        TaskCompletionSource? waiter;
        lock (_sync)
        {
            _unsubscribeWaiters.Remove(channel, out waiter);
        }

        waiter?.TrySetResult();
    }

    /// <summary>Every channel registered at connect time is confirmed: the subscriber is whole again.</summary>
    private void OnResubscribed(RedisTransport transport)
    {
        int channels;
        lock (_sync)
        {
            if (!ReferenceEquals(transport, _transport) || _isConnected)
            {
                return;
            }

            _awaitingResubscribe = null;
            _isConnected = true;
            channels = _handlers.Count;
        }

        RedisLog.SubscriberReady(_logger, transport.Endpoint, channels);
        RaiseConnectionChanged(true);
    }
}
