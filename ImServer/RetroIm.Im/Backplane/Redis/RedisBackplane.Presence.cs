namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    public async Task<IReadOnlyList<string>> AddConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var (nodeId, clientId, _, metadata) = connection;
        var reply = await _client.EvalAsync(
            RedisScripts.AddConnection,
            [_keys.Client(clientId), _keys.NodeClients(nodeId), _keys.Meta(clientId), _keys.Online, _keys.ClientChans(clientId)],
            [nodeId, clientId, metadata is null ? "0" : "1", metadata ?? "", _keys.Events],
            cancellationToken).ConfigureAwait(false);
        return SortedStrings(reply);
    }

    public async Task RemoveConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var (nodeId, clientId, _, _) = connection;
        await _client.EvalAsync(
            RedisScripts.RemoveConnection,
            [_keys.Client(clientId), _keys.NodeClients(nodeId), _keys.Meta(clientId), _keys.Online],
            [nodeId, clientId, _keys.Events],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsOnlineAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var reply = await _client.ExecuteAsync("EXISTS", [_keys.Client(clientId)], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    public async Task<IReadOnlyList<string>> GetOnlineClientsAsync(CancellationToken cancellationToken = default) =>
        SortedStrings(await _client.ExecuteAsync("SMEMBERS", [_keys.Online], cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyDictionary<string, long>> GetClientNodesAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var reply = await _client.ExecuteAsync("HGETALL", [_keys.Client(clientId)], cancellationToken).ConfigureAwait(false);
        var items = reply.Items;
        var nodes = new Dictionary<string, long>(items.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2) nodes[items[i].AsString()!] = items[i + 1].AsInt64();
        return nodes;
    }
}
