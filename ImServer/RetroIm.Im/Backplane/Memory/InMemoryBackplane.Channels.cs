namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    // Only channels with members have an entry, so the keys are the channel list.
    private readonly Dictionary<string, HashSet<string>> _chanMembers = NewMap<HashSet<string>>();
    private readonly Dictionary<string, HashSet<string>> _clientChans = NewMap<HashSet<string>>();

    public Task AddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(clientIds);
        ThrowIfDisposed();
        if (clientIds.Count == 0) return Task.CompletedTask;
        foreach (var clientId in clientIds) ArgumentNullException.ThrowIfNull(clientId, nameof(clientIds));
        lock (_gate)
        {
            var members = GetOrAdd(_chanMembers, chan);
            foreach (var clientId in clientIds)
            {
                members.Add(clientId);
                GetOrAdd(_clientChans, clientId).Add(chan);
            }
        }
        return Task.CompletedTask;
    }

    public Task<ChanJoinRefusal?> TryAddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, int maxChansPerClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(clientIds);
        ThrowIfDisposed();
        if (clientIds.Count == 0) return Task.FromResult<ChanJoinRefusal?>(null);
        foreach (var clientId in clientIds) ArgumentNullException.ThrowIfNull(clientId, nameof(clientIds));
        lock (_gate)
        {
            if (maxChansPerClient > 0)
            {
                foreach (var clientId in clientIds)
                {
                    if (_clientChans.TryGetValue(clientId, out var chans) && chans.Count >= maxChansPerClient && !chans.Contains(chan))
                    {
                        return Task.FromResult<ChanJoinRefusal?>(new ChanJoinRefusal(clientId, chans.Count));
                    }
                }
            }
            var members = GetOrAdd(_chanMembers, chan);
            foreach (var clientId in clientIds)
            {
                members.Add(clientId);
                GetOrAdd(_clientChans, clientId).Add(chan);
            }
        }
        return Task.FromResult<ChanJoinRefusal?>(null);
    }

    public Task RemoveChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(clientIds);
        ThrowIfDisposed();
        lock (_gate)
        {
            if (!_chanMembers.TryGetValue(chan, out var members)) return Task.CompletedTask;
            foreach (var clientId in clientIds)
            {
                if (!members.Remove(clientId)) continue;
                if (_clientChans.TryGetValue(clientId, out var chans) && chans.Remove(chan) && chans.Count == 0) _clientChans.Remove(clientId);
            }
            if (members.Count == 0) _chanMembers.Remove(chan);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetChansAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>(Sorted(_chanMembers.Keys));
    }

    public Task<IReadOnlyList<string>> GetClientChansAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ThrowIfDisposed();
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>(_clientChans.TryGetValue(clientId, out var chans) ? Sorted(chans) : []);
    }

    public Task<IReadOnlyList<string>> GetChanMembersAsync(string chan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ThrowIfDisposed();
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>(_chanMembers.TryGetValue(chan, out var members) ? Sorted(members) : []);
    }

    public Task<long> GetChanOnlineAsync(string chan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ThrowIfDisposed();
        long online = 0;
        lock (_gate)
        {
            if (_chanMembers.TryGetValue(chan, out var members))
            {
                foreach (var clientId in members)
                {
                    if (_clientNodes.ContainsKey(clientId)) online++;
                }
            }
        }
        return Task.FromResult(online);
    }

    private static HashSet<string> GetOrAdd(Dictionary<string, HashSet<string>> map, string key)
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        return set;
    }
}
