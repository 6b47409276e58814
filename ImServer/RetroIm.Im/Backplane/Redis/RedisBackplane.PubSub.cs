using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    public async Task<ClientsPublishResult> PublishToClientsAsync(IReadOnlyList<string> clientIds, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        if (clientIds.Count == 0) return new ClientsPublishResult([], []);
        var args = new RedisArg[3 + clientIds.Count];
        args[0] = _keys.ClientPrefix;
        args[1] = _keys.NodeTopicPrefix;
        args[2] = packet;
        for (var i = 0; i < clientIds.Count; i++) args[3 + i] = clientIds[i] ?? throw new ArgumentNullException(nameof(clientIds), "A clientId is null.");
        var reply = await _client.EvalAsync(RedisScripts.PublishToClients, [], args, cancellationToken).ConfigureAwait(false);
        var offline = reply.Items[1].Items;
        var offlineIds = new List<string>(offline.Count);
        for (var i = 0; i < offline.Count; i++) offlineIds.Add(offline[i].AsString()!);
        return new ClientsPublishResult(SortedStrings(reply.Items[0]), offlineIds);
    }

    public Task<long> PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return _client.PublishAsync(_keys.Topic(topic), payload, cancellationToken);
    }

    public Task SubscribeAsync(string topic, BackplaneHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(handler);
        // The handler sees the topic as the caller named it, without the prefix.
        return _subscriber.SubscribeAsync(_keys.Topic(topic), (_, payload) => handler(topic, payload), cancellationToken);
    }

    public Task UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return _subscriber.UnsubscribeAsync(_keys.Topic(topic), cancellationToken);
    }
}
