namespace RetroIm.Relay.Hosting;

/// <summary>
/// Who this node is and where it is in its life. The identity is set once (at start, or when the server reports its
/// listen address); the flags change with heartbeats and shutdown and are read by the endpoint and /health.
/// </summary>
internal sealed class RelayNode
{
    private volatile string? _id;
    private volatile string? _url;
    private volatile bool _registered;
    private volatile bool _everRegistered;
    private volatile bool _stopping;
    private volatile bool _deregistered;
    private volatile bool _draining;
    private int _drainStarted;
    private volatile Im.Backplane.NodeStats? _stats;

    /// <summary>The node id; null until the node has started.</summary>
    public string? Id => _id;

    public string? Url => _url;

    public long StartedAtMs { get; private set; }

    /// <summary>True while the last heartbeat reached the backplane.</summary>
    public bool Registered => _registered;

    /// <summary>True after the first successful heartbeat; a later "new registration" then means the backplane forgot us.</summary>
    public bool EverRegistered => _everRegistered;

    /// <summary>True from the moment shutdown begins: new connections are refused with 503.</summary>
    public bool Stopping => _stopping;

    /// <summary>True once RemoveNodeAsync ran: the backplane holds none of this node's connections any more.</summary>
    public bool Deregistered => _deregistered;

    /// <summary>True from the moment a drain (or shutdown) asked the clients to move: routing skips this node.</summary>
    public bool Draining => _draining;

    /// <summary>Connections are accepted once the node is known to the backplane and until a drain or shutdown.</summary>
    public bool Accepting => _id is not null && _everRegistered && !_stopping && !_draining;

    /// <summary>What the heartbeat registers: identity, load, and whether new clients should be routed here.</summary>
    public Im.Backplane.NodeInfo ToInfo(long connections) => new(_id!, _url!, connections, StartedAtMs, _draining, _stats);

    /// <summary>The figures every later heartbeat (the drain's too) publishes, until the next update.</summary>
    public void UpdateStats(Im.Backplane.NodeStats stats) => _stats = stats;

    /// <summary>True when this call started the drain.</summary>
    public bool BeginDraining()
    {
        if (Interlocked.Exchange(ref _drainStarted, 1) == 1) return false;
        _draining = true;
        return true;
    }

    public void SetIdentity(string id, string url, long startedAtMs)
    {
        StartedAtMs = startedAtMs;
        _url = url;
        _id = id;
    }

    public void HeartbeatSucceeded()
    {
        _registered = true;
        _everRegistered = true;
    }

    public void HeartbeatFailed() => _registered = false;

    public void BeginStopping() => _stopping = true;

    public void MarkDeregistered()
    {
        _registered = false;
        _deregistered = true;
    }
}
