using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

public sealed partial class RedisSubscriber
{
    private long _lastReceivedAt;

    /// <summary>
    /// How often an idle subscriber PINGs. A subscriber only ever reads, so without this a half-open connection
    /// (peer gone without a FIN, e.g. a dropped NAT entry) would look like a quiet channel forever.
    /// </summary>
    internal TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// PINGs every <see cref="KeepAliveInterval"/> until <paramref name="reading"/> ends, and aborts the transport
    /// when nothing (not even a PONG) arrived for that interval plus <see cref="RedisOptions.CommandTimeout"/>.
    /// </summary>
    private async Task KeepAliveAsync(RedisTransport transport, Task reading, CancellationToken stop)
    {
        var silenceLimit = (long)(KeepAliveInterval + _options.CommandTimeout).TotalMilliseconds;
        while (true)
        {
            var finished = await Task.WhenAny(reading, Task.Delay(KeepAliveInterval, stop)).ConfigureAwait(false);
            if (finished == reading || stop.IsCancellationRequested)
            {
                return;
            }

            var silentFor = Environment.TickCount64 - Volatile.Read(ref _lastReceivedAt);
            if (silentFor > silenceLimit)
            {
                RedisLog.SubscriberSilent(_logger, transport.Endpoint, silentFor);
                transport.Abort();
                return;
            }

            await SendAsync(transport, "PING", []).ConfigureAwait(false);
        }
    }
}
