using System.Text.Json;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    public async Task<bool> HeartbeatNodeAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var json = JsonSerializer.SerializeToUtf8Bytes(node, ImJsonContext.Default.NodeInfo);
        var reply = await _client.EvalAsync(
            RedisScripts.HeartbeatNode,
            [_keys.Nodes, _keys.NodeInfo(node.Id)],
            [node.Id, TtlMs(ttl), json, node.Draining ? "1" : "0", node.Url, node.StartedAtMs, _keys.NodeChanges],
            cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    public Task RemoveNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        return RemoveNodeAsync(nodeId, RemoveMode.Deregister, TimeSpan.Zero, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ReapExpiredNodesAsync(CancellationToken cancellationToken = default)
    {
        var expired = await _client.EvalAsync(RedisScripts.ExpiredNodes, [_keys.Nodes], [], cancellationToken).ConfigureAwait(false);
        return await ReapEachAsync(expired, RemoveMode.Expired, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ReapSilentNodesAsync(string selfNodeId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selfNodeId);
        var silent = await _client.EvalAsync(
            RedisScripts.SilentNodes, [_keys.Nodes, _keys.NodeSilence], [_keys.NodeTopicPrefix, selfNodeId, TtlMs(timeout)], cancellationToken).ConfigureAwait(false);
        return await ReapEachAsync(silent, RemoveMode.Silent, timeout, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken cancellationToken = default)
    {
        var reply = await _client.EvalAsync(RedisScripts.LiveNodes, [_keys.Nodes, _keys.NodeSilence], [_keys.NodeInfoPrefix], cancellationToken).ConfigureAwait(false);
        var nodes = new List<NodeInfo>(reply.Items.Count);
        foreach (var item in reply.Items)
        {
            // Null when the info expired between the heartbeat's ZSET score and its own TTL: not live.
            if (item.IsNull) continue;
            nodes.Add(JsonSerializer.Deserialize(item.AsBytes()!, ImJsonContext.Default.NodeInfo) ?? throw new JsonException("Stored node info is JSON null."));
        }
        nodes.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return nodes;
    }

    /// <summary>
    /// Removes the candidates a sweep found, each in its own script: a big node does not block Redis for the others, and
    /// the script checks again (<paramref name="mode"/>), so a concurrent reaper or a late heartbeat wins cleanly.
    /// Returns the ids this call removed.
    /// </summary>
    private async Task<IReadOnlyList<string>> ReapEachAsync(RespValue candidates, RemoveMode mode, TimeSpan silenceTimeout, CancellationToken cancellationToken)
    {
        if (candidates.Items.Count == 0) return [];
        var reaped = new List<string>();
        foreach (var nodeId in SortedStrings(candidates))
        {
            if (await RemoveNodeAsync(nodeId, mode, silenceTimeout, cancellationToken).ConfigureAwait(false)) reaped.Add(nodeId);
        }
        return reaped;
    }

    /// <summary>How <see cref="RedisScripts.RemoveNode"/> decides (its ARGV[2]).</summary>
    private enum RemoveMode
    {
        Deregister,
        Expired,
        Silent,
    }

    private async Task<bool> RemoveNodeAsync(string nodeId, RemoveMode mode, TimeSpan silenceTimeout, CancellationToken cancellationToken)
    {
        var reply = await _client.EvalAsync(
            RedisScripts.RemoveNode,
            [_keys.Nodes, _keys.NodeInfo(nodeId), _keys.NodeClients(nodeId), _keys.Online, _keys.NodeSilence],
            [nodeId, ((int)mode).ToString(System.Globalization.CultureInfo.InvariantCulture), _keys.ClientPrefix, _keys.MetaPrefix, _keys.Events,
                _keys.NodeChanges, _keys.NodeTopicPrefix + nodeId, (long)silenceTimeout.TotalMilliseconds],
            cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }
}
