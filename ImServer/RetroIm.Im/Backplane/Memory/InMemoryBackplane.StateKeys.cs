namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    /// <summary>
    /// The keys Redis would hold for the current state (unprefixed <see cref="RedisKeys"/> names, sorted), so one
    /// conformance test can check that both backplanes leave nothing behind.
    /// </summary>
    internal IReadOnlyList<string> GetEquivalentRedisKeys()
    {
        var keys = new RedisKeys("");
        var names = new List<string>();
        lock (_gate)
        {
            var now = NowMs();
            foreach (var (token, entry) in _tickets)
            {
                if (entry.ExpiresAtMs > now) names.Add(keys.Ticket(token));
            }
            if (_nodes.Count > 0) names.Add(keys.Nodes);
            foreach (var (id, entry) in _nodes)
            {
                if (entry.ExpiresAtMs > now) names.Add(keys.NodeInfo(id));
            }
            foreach (var id in _nodeClients.Keys) names.Add(keys.NodeClients(id));
            foreach (var id in _clientNodes.Keys) names.Add(keys.Client(id));
            foreach (var (id, metadata) in _metadata)
            {
                if (metadata is not null) names.Add(keys.Meta(id));
            }
            if (_clientNodes.Count > 0) names.Add(keys.Online);
            if (_chanMembers.Count > 0) names.Add(keys.Chans);
            foreach (var chan in _chanMembers.Keys) names.Add(keys.ChanMembers(chan));
            foreach (var id in _clientChans.Keys) names.Add(keys.ClientChans(id));
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
