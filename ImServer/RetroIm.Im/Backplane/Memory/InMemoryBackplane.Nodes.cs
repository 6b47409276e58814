using System.Text.Json;

namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    private readonly Dictionary<string, (NodeInfo Info, long ExpiresAtMs)> _nodes = NewMap<(NodeInfo, long)>();

    public Task<bool> HeartbeatNodeAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var ttlMs = TtlMs(ttl);
        ThrowIfDisposed();
        bool added;
        lock (_gate)
        {
            var now = NowMs();
            // An expired node that is not reaped yet counts as registered, as in the Redis ZSET.
            added = !_nodes.TryGetValue(node.Id, out var old);
            _nodes[node.Id] = (node, now + ttlMs);
            // As the Redis script: an expired entry stands for the node info whose TTL ran out.
            var change = added || old.ExpiresAtMs <= now ? NodeChange.Joined
                : old.Info.Draining != node.Draining ? (node.Draining ? NodeChange.Draining : NodeChange.Joined)
                : old.Info.Url != node.Url || old.Info.StartedAtMs != node.StartedAtMs ? NodeChange.Joined
                : null;
            if (change is not null) EnqueueNodeChange(change, node.Id, now);
        }
        Dispatch();
        return added ? True : False;
    }

    public Task RemoveNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ThrowIfDisposed();
        lock (_gate)
        {
            var now = NowMs();
            var removed = _nodes.Remove(nodeId);
            RemoveNodeConnectionsLocked(nodeId, now);
            // After the offline events, as the Redis script publishes them.
            if (removed) EnqueueNodeChange(NodeChange.Left, nodeId, now);
        }
        Dispatch();
        return Task.CompletedTask;
    }

    /// <summary>Every node of this backplane lives in its process: none can fall silent while the process runs.</summary>
    public Task<IReadOnlyList<string>> ReapSilentNodesAsync(string selfNodeId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyList<string>>([]);
    }

    public Task<IReadOnlyList<string>> ReapExpiredNodesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        List<string>? reaped = null;
        lock (_gate)
        {
            var now = NowMs();
            foreach (var (id, entry) in _nodes)
            {
                if (entry.ExpiresAtMs <= now) (reaped ??= []).Add(id);
            }
            if (reaped is null) return Task.FromResult<IReadOnlyList<string>>([]);
            reaped.Sort(StringComparer.Ordinal);
            foreach (var id in reaped)
            {
                _nodes.Remove(id);
                RemoveNodeConnectionsLocked(id, now);
                EnqueueNodeChange(NodeChange.Left, id, now);
            }
        }
        Dispatch();
        return Task.FromResult<IReadOnlyList<string>>(reaped);
    }

    public Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var live = new List<NodeInfo>();
        lock (_gate)
        {
            var now = NowMs();
            foreach (var (info, expiresAtMs) in _nodes.Values)
            {
                if (expiresAtMs > now) live.Add(info);
            }
        }
        live.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return Task.FromResult<IReadOnlyList<NodeInfo>>(live);
    }

    private void EnqueueNodeChange(string type, string nodeId, long nowMs) =>
        _outbox.Enqueue((ImTopics.NodeChanges, JsonSerializer.SerializeToUtf8Bytes(new NodeChange(type, nodeId, nowMs), ImJsonContext.Default.NodeChange)));

    private static readonly Task<bool> True = Task.FromResult(true);
    private static readonly Task<bool> False = Task.FromResult(false);
}
