using System.Text.Json;

namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    // Both directions of the (client, node) → connection count relation, as the two Redis hashes.
    private readonly Dictionary<string, Dictionary<string, long>> _clientNodes = NewMap<Dictionary<string, long>>();
    private readonly Dictionary<string, Dictionary<string, long>> _nodeClients = NewMap<Dictionary<string, long>>();
    private readonly Dictionary<string, string?> _metadata = NewMap<string?>();

    public Task<IReadOnlyList<string>> AddConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ThrowIfDisposed();
        var (nodeId, clientId, _, metadata) = connection;
        List<string> chans;
        lock (_gate)
        {
            var first = !_clientNodes.TryGetValue(clientId, out var nodes);
            if (nodes is null) _clientNodes[clientId] = nodes = NewMap<long>();
            nodes[nodeId] = nodes.GetValueOrDefault(nodeId) + 1;

            if (!_nodeClients.TryGetValue(nodeId, out var clients)) _nodeClients[nodeId] = clients = NewMap<long>();
            clients[clientId] = clients.GetValueOrDefault(clientId) + 1;

            _metadata[clientId] = metadata;
            if (first) EnqueuePresence(new PresenceEvent(PresenceEvent.Online, clientId, nodeId, metadata, NowMs()));
            chans = _clientChans.TryGetValue(clientId, out var memberOf) ? Sorted(memberOf) : [];
        }
        Dispatch();
        return Task.FromResult<IReadOnlyList<string>>(chans);
    }

    public Task RemoveConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ThrowIfDisposed();
        var (nodeId, clientId, _, _) = connection;
        lock (_gate)
        {
            // A connection that was never added (or whose node was reaped) changes nothing: counts never go negative.
            if (!_nodeClients.TryGetValue(nodeId, out var clients) || !clients.TryGetValue(clientId, out var onNode)) return Task.CompletedTask;
            Decrement(_nodeClients, nodeId, clients, clientId, onNode);

            if (_clientNodes.TryGetValue(clientId, out var nodes) && nodes.TryGetValue(nodeId, out var forClient))
            {
                if (Decrement(_clientNodes, clientId, nodes, nodeId, forClient)) GoOfflineLocked(clientId, nodeId, NowMs());
            }
        }
        Dispatch();
        return Task.CompletedTask;
    }

    public Task<bool> IsOnlineAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ThrowIfDisposed();
        lock (_gate) return _clientNodes.ContainsKey(clientId) ? True : False;
    }

    public Task<IReadOnlyList<string>> GetOnlineClientsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>(Sorted(_clientNodes.Keys));
    }

    public Task<IReadOnlyDictionary<string, long>> GetClientNodesAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ThrowIfDisposed();
        lock (_gate)
        {
            var copy = _clientNodes.TryGetValue(clientId, out var nodes) ? new Dictionary<string, long>(nodes, StringComparer.Ordinal) : NewMap<long>();
            return Task.FromResult<IReadOnlyDictionary<string, long>>(copy);
        }
    }

    /// <summary>Drops every connection a node held; clients left with none go offline.</summary>
    private void RemoveNodeConnectionsLocked(string nodeId, long now)
    {
        if (!_nodeClients.Remove(nodeId, out var clients)) return;
        foreach (var clientId in clients.Keys)
        {
            if (_clientNodes.TryGetValue(clientId, out var nodes) && nodes.Remove(nodeId) && nodes.Count == 0)
            {
                GoOfflineLocked(clientId, nodeId, now);
            }
        }
    }

    private void GoOfflineLocked(string clientId, string nodeId, long now)
    {
        _clientNodes.Remove(clientId);
        _metadata.Remove(clientId, out var metadata);
        EnqueuePresence(new PresenceEvent(PresenceEvent.Offline, clientId, nodeId, metadata, now));
    }

    /// <summary>Counts one less in a nested map, removing emptied entries as Redis does; true when the outer entry went.</summary>
    private static bool Decrement(Dictionary<string, Dictionary<string, long>> outer, string outerKey, Dictionary<string, long> inner, string innerKey, long count)
    {
        if (count > 1)
        {
            inner[innerKey] = count - 1;
            return false;
        }
        inner.Remove(innerKey);
        if (inner.Count > 0) return false;
        outer.Remove(outerKey);
        return true;
    }

    private void EnqueuePresence(PresenceEvent presence) =>
        _outbox.Enqueue((ImTopics.Events, JsonSerializer.SerializeToUtf8Bytes(presence, ImJsonContext.Default.PresenceEvent)));
}
