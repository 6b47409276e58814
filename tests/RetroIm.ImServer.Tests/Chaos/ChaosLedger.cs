namespace RetroIm.ImServer.Tests.Chaos;

/// <summary>
/// What each chaos client must receive, in acceptance order, with when ImHelper accepted it; answers "has this client
/// caught up with everything accepted before a given instant" cheaply by remembering how far it checked.
/// </summary>
internal sealed class ChaosLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(string Key, long AtTicks)>> _expected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _checked = new(StringComparer.Ordinal);
    private readonly List<long> _acceptedAt = [];

    public ChaosLedger(IEnumerable<string> clientIds)
    {
        foreach (var id in clientIds)
        {
            _expected[id] = [];
            _checked[id] = 0;
        }
    }

    /// <summary>When the latest message was accepted (UTC ticks), 0 before the first.</summary>
    public long LastAcceptedTicks { get; private set; }

    public void Accepted(IEnumerable<string> clientIds, string key, long atTicks)
    {
        lock (_gate)
        {
            foreach (var id in clientIds) _expected[id].Add((key, atTicks));
            LastAcceptedTicks = atTicks;
            _acceptedAt.Add(atTicks);
        }
    }

    /// <summary>When the first message after <paramref name="ticks"/> was accepted; 0 when none was yet.</summary>
    public long FirstAcceptedAfter(long ticks)
    {
        lock (_gate)
        {
            var i = _acceptedAt.BinarySearch(ticks + 1);
            if (i < 0) i = ~i;
            return i < _acceptedAt.Count ? _acceptedAt[i] : 0;
        }
    }

    /// <summary>The keys a client must have, in acceptance order (call once publishing stopped).</summary>
    public List<string> Expected(string clientId)
    {
        lock (_gate) return _expected[clientId].Select(e => e.Key).ToList();
    }

    /// <summary>True when the client has every message addressed to it that was accepted at or before <paramref name="cutoffTicks"/>.</summary>
    public bool CaughtUp(ChaosClient client, long cutoffTicks)
    {
        lock (_gate)
        {
            var list = _expected[client.Id];
            var at = _checked[client.Id];
            while (at < list.Count && list[at].AtTicks <= cutoffTicks && client.Has(list[at].Key)) at++;
            _checked[client.Id] = at;
            return at == list.Count || list[at].AtTicks > cutoffTicks;
        }
    }
}
