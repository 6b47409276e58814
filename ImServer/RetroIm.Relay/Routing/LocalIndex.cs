using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Routing;

/// <summary>
/// This node's view of who is here: clientId → connections, channel → local members, and every connection. The
/// node never reads a channel's member list from the backplane per message; it learns membership when a client
/// connects (AddConnectionAsync's answer) and from join/leave packets.
/// </summary>
/// <remarks>
/// Methods that change channel membership fill <c>changed</c> with the channels that gained their first or lost their
/// last local member; the caller hands them to <see cref="ChanSubscriptions"/>. Readers get immutable arrays, so a
/// fan-out holds the lock only to fetch one.
/// </remarks>
internal sealed class LocalIndex(IOptions<ImRelayOptions> options, RelayMetrics metrics)
{
    private readonly int _maxChansPerClient = options.Value.MaxChannelsPerClient;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LocalClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LocalChan> _chans = new(StringComparer.Ordinal);
    private readonly HashSet<RelayConnection> _all = [];
    private RelayConnection[]? _allSnapshot;
    private int _count;

    public int ConnectionCount => Volatile.Read(ref _count);

    /// <summary>Distinct clients with a connection here (node stats).</summary>
    public int ClientCount
    {
        get
        {
            lock (_lock) return _clients.Count;
        }
    }

    /// <summary>Channels with a local member (node stats).</summary>
    public int ChanCount
    {
        get
        {
            lock (_lock) return _chans.Count;
        }
    }

    /// <summary>Adds a connection whose registration is still pending, so packets for its client reach it at once.</summary>
    public void Add(RelayConnection connection)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(connection.ClientId, out var client))
            {
                client = new LocalClient(connection.ClientId);
                _clients.Add(client.Id, client);
            }
            client.Connections = [.. client.Connections, connection];
            client.PendingRegistrations++;
            connection.RegistrationPending = true;
            _all.Add(connection);
            _allSnapshot = null;
            _count++;
            InvalidateChansOf(client);
        }
    }

    /// <summary>Merges the channels AddConnectionAsync answered with and ends the pending registration.</summary>
    public void CompleteRegistration(RelayConnection connection, IReadOnlyList<string> chans, List<string> changed)
    {
        lock (_lock)
        {
            if (!connection.RegistrationPending || !_clients.TryGetValue(connection.ClientId, out var client)) return;
            connection.RegistrationPending = false;
            foreach (var chan in chans)
            {
                if (client.LeftWhilePending?.Contains(chan) != true) AddMemberLocked(client, chan, changed);
            }
            if (--client.PendingRegistrations == 0) client.LeftWhilePending = null;
        }
    }

    /// <summary>Adds channels for a client that is here (a re-registration after the backplane lost state).</summary>
    public void MergeChans(string clientId, IReadOnlyList<string> chans, List<string> changed)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(clientId, out var client)) return;
            foreach (var chan in chans) AddMemberLocked(client, chan, changed);
        }
    }

    public void Remove(RelayConnection connection, List<string> changed)
    {
        lock (_lock)
        {
            if (!_all.Remove(connection)) return;
            _allSnapshot = null;
            _count--;
            var client = _clients[connection.ClientId];
            if (connection.RegistrationPending)
            {
                connection.RegistrationPending = false;
                client.PendingRegistrations--;
            }
            if (client.Connections.Length == 1)
            {
                _clients.Remove(client.Id);
                foreach (var chan in client.Chans) RemoveMemberLocked(client, chan, changed);
                return;
            }
            client.Connections = Array.FindAll(client.Connections, c => c != connection);
            InvalidateChansOf(client);
        }
    }

    /// <summary>Adds a local client to a channel; false when the client has no connection here.</summary>
    public bool Join(string clientId, string chan, List<string> changed) => Join(clientId, chan, changed, out _);

    /// <summary>As <see cref="Join(string, string, List{string})"/>; <paramref name="added"/> tells whether the client was not a member here yet.</summary>
    public bool Join(string clientId, string chan, List<string> changed, out bool added)
    {
        lock (_lock)
        {
            added = false;
            if (!_clients.TryGetValue(clientId, out var client)) return false;
            client.LeftWhilePending?.Remove(chan);
            added = AddMemberLocked(client, chan, changed);
            return true;
        }
    }

    /// <summary>Removes a local client from a channel; false when the client has no connection here.</summary>
    public bool Leave(string clientId, string chan, List<string> changed)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(clientId, out var client)) return false;
            if (client.PendingRegistrations > 0) (client.LeftWhilePending ??= new(StringComparer.Ordinal)).Add(chan);
            if (client.Chans.Remove(chan)) RemoveMemberLocked(client, chan, changed);
            return true;
        }
    }

    public RelayConnection[] GetClientConnections(string clientId)
    {
        lock (_lock)
        {
            return _clients.TryGetValue(clientId, out var client) ? client.Connections : [];
        }
    }

    public RelayConnection[] GetChanConnections(string chan)
    {
        lock (_lock)
        {
            if (!_chans.TryGetValue(chan, out var local)) return [];
            return local.Snapshot ??= BuildSnapshot(local);
        }
    }

    public RelayConnection[] GetAllConnections()
    {
        lock (_lock)
        {
            return _allSnapshot ??= [.. _all];
        }
    }

    /// <summary>Whether the connection is still here (not yet removed on close).</summary>
    public bool Contains(RelayConnection connection)
    {
        lock (_lock) return _all.Contains(connection);
    }

    public bool HasChanMembers(string chan)
    {
        lock (_lock)
        {
            return _chans.ContainsKey(chan);
        }
    }

    /// <summary>Every channel with a local member.</summary>
    public List<string> GetChans()
    {
        lock (_lock)
        {
            return [.. _chans.Keys];
        }
    }

    private bool AddMemberLocked(LocalClient client, string chan, List<string> changed)
    {
        // ImServer:MaxChannelsPerClient: a client past it (ImHelper refuses such joins; this guards a node against a
        // misconfigured or hostile business side) gets no more channels forwarded here.
        if (_maxChansPerClient > 0 && client.Chans.Count >= _maxChansPerClient && !client.Chans.Contains(chan))
        {
            metrics.LimitExceeded("channels");
            return false;
        }
        if (!client.Chans.Add(chan)) return false;
        if (!_chans.TryGetValue(chan, out var local))
        {
            local = new LocalChan();
            _chans.Add(chan, local);
            changed.Add(chan);
        }
        local.Members.Add(client);
        local.Snapshot = null;
        return true;
    }

    /// <summary>Removes the client from the channel's members (the caller updates the client's own set).</summary>
    private void RemoveMemberLocked(LocalClient client, string chan, List<string> changed)
    {
        if (!_chans.TryGetValue(chan, out var local)) return;
        local.Members.Remove(client);
        local.Snapshot = null;
        if (local.Members.Count > 0) return;
        _chans.Remove(chan);
        changed.Add(chan);
    }

    private void InvalidateChansOf(LocalClient client)
    {
        foreach (var chan in client.Chans)
        {
            if (_chans.TryGetValue(chan, out var local)) local.Snapshot = null;
        }
    }

    private static RelayConnection[] BuildSnapshot(LocalChan local)
    {
        var count = 0;
        foreach (var member in local.Members) count += member.Connections.Length;
        var snapshot = new RelayConnection[count];
        var i = 0;
        foreach (var member in local.Members)
        {
            member.Connections.CopyTo(snapshot, i);
            i += member.Connections.Length;
        }
        return snapshot;
    }
}
