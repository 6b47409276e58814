using Microsoft.Extensions.Logging;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// The cluster backplane: state in Redis (see <see cref="RedisKeys"/> for the layout), every multi-key change one Lua
/// script (<see cref="RedisScripts"/>), pub/sub on a dedicated subscriber connection. Every key and channel carries
/// <see cref="RedisOptions.Prefix"/>, so several clusters can share one Redis.
/// </summary>
public sealed partial class RedisBackplane : IImBackplane
{
    private readonly RedisClient _client;
    private readonly RedisSubscriber _subscriber;
    private readonly RedisKeys _keys;
    private readonly DirectSendBatcher _directSends;

    /// <summary>Creates the backplane; it connects on first use and reconnects by itself.</summary>
    public RedisBackplane(RedisOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = new RedisKeys(options.Prefix);
        _client = new RedisClient(options, loggerFactory?.CreateLogger<RedisClient>());
        _subscriber = new RedisSubscriber(options, loggerFactory?.CreateLogger<RedisSubscriber>());
        _subscriber.ConnectionChanged += OnSubscriberConnectionChanged;
        _directSends = new DirectSendBatcher(
            (args, withSource) => _client.EvalInOrderAsync(RedisScripts.PublishMessagesToClients, [], args, withSource),
            commands => _client.ExecuteInOrderAsync(commands),
            StreamArgs, _keys.ClientPrefix, _keys.NodeTopicPrefix, _keys.NodeBatchTopicPrefix);
    }

    /// <summary>Batches of direct messages (script calls or pipelines); lets tests see that concurrent sends were coalesced.</summary>
    internal long DirectSendBatches => _directSends.Batches;

    /// <summary>Batches of direct messages handed to Redis while another was in flight.</summary>
    internal long DirectSendPipelined => _directSends.Pipelined;

    /// <summary>The most batches of direct messages that were in flight at once.</summary>
    internal int DirectSendDeepest => _directSends.Deepest;

    public event Action? Resubscribed;

    public event Action? BurstDelivered
    {
        add => _subscriber.BurstDelivered += value;
        remove => _subscriber.BurstDelivered -= value;
    }

    public string Kind => "redis";

    /// <summary>host:port of the Redis, for messages that say which one could not be reached.</summary>
    internal string Endpoint => $"{_client.Options.Host}:{_client.Options.Port}";

    public async Task PingAsync(CancellationToken cancellationToken = default) =>
        await _client.ExecuteAsync("PING", [], cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _subscriber.DisposeAsync().ConfigureAwait(false);
        await DisposeClientEventReadersAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
    }

    private void OnSubscriberConnectionChanged(bool connected)
    {
        // True also follows the first connect: a catch-up then finds nothing missed, so no need to tell them apart.
        if (connected) Resubscribed?.Invoke();
    }

    private static long TtlMs(TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        // Redis counts whole milliseconds; round up so a sub-millisecond TTL still stores the value.
        return Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
    }

    /// <summary>Bulk strings of an array reply, sorted ordinally for stable output.</summary>
    internal static List<string> SortedStrings(RespValue reply)
    {
        var items = reply.Items;
        var list = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++) list.Add(items[i].AsString()!);
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
