using RetroIm.Im.Backplane;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private const int NodeChangesOff = 0, NodeChangesSubscribing = 1, NodeChangesLive = 2;

    private readonly Lock _nodesGate = new();
    private NodeListSnapshot? _nodeList;
    private TaskCompletionSource<IReadOnlyList<NodeInfo>>? _nodesRefresh;
    private long _nodesRefreshVersion;
    private long _nodesVersion;
    private int _nodeChangesState;
    private Task _nodeChangesSubscription = Task.CompletedTask;
    private NodeChangeSubscription.Listener? _nodeChangesListener;
    private long _nodeListFetches;

    /// <summary>A node list and what it was read under: the change count then, and when the read began.</summary>
    private sealed record NodeListSnapshot(IReadOnlyList<NodeInfo> Nodes, long Version, long ReadStartedAt);

    /// <summary>
    /// How many times routing read the node list from the backplane (cache misses; every connect URL when the cache
    /// is off). Lets tests see the cache and the shared refresh at work.
    /// </summary>
    internal long NodeListFetches => Interlocked.Read(ref _nodeListFetches);

    /// <summary>Raised on the backplane's dispatch loop after a node change dropped the cached list (tests await it).</summary>
    internal event Action<ReadOnlyMemory<byte>>? NodeChangeReceived;

    /// <summary>Completes once node changes are subscribed (started by the first connect URL while the cache is on).</summary>
    internal Task NodeChangesSubscription => Volatile.Read(ref _nodeChangesSubscription);

    /// <summary>
    /// The live nodes for routing: the cached list while it is younger than <see cref="ImHelperOptions.NodeListMaxAge"/>
    /// and no node change arrived since it was read; otherwise one read of the backplane, shared by every caller that
    /// needs it meanwhile. The cache is trusted only while node changes are subscribed; until then every call reads.
    /// </summary>
    private async Task<IReadOnlyList<NodeInfo>> GetRoutingNodesAsync(CancellationToken cancellationToken)
    {
        var maxAge = _options.NodeListMaxAge;
        if (maxAge <= TimeSpan.Zero || _disposing.IsCancellationRequested)
        {
            Interlocked.Increment(ref _nodeListFetches);
            return await ReadNodesAsync(Interlocked.Read(ref _nodesVersion), cancellationToken).ConfigureAwait(false);
        }
        if (Volatile.Read(ref _nodeChangesState) == NodeChangesOff) StartNodeChanges();
        if (CachedNodeList(maxAge) is { } cached) return cached;
        return await RefreshNodeListAsync(maxAge).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cached list when it may be used: node changes subscribed, none since it was read, younger than the max age.</summary>
    private IReadOnlyList<NodeInfo>? CachedNodeList(TimeSpan maxAge)
    {
        var snapshot = Volatile.Read(ref _nodeList);
        return snapshot is not null
            && Volatile.Read(ref _nodeChangesState) == NodeChangesLive
            && snapshot.Version == Interlocked.Read(ref _nodesVersion)
            && _time.GetElapsedTime(snapshot.ReadStartedAt) < maxAge
            ? snapshot.Nodes
            : null;
    }

    /// <summary>
    /// Joins the read in flight when it began after the latest node change, else starts one — unless a read that
    /// finished while this caller waited for the lock already left a usable list. The read is not the caller's: it
    /// runs to the end (bounded by <see cref="ImHelperOptions.RedisWaitTimeout"/>) even when the caller that started it
    /// gives up, and every caller waiting gets its list or its exception.
    /// </summary>
    private Task<IReadOnlyList<NodeInfo>> RefreshNodeListAsync(TimeSpan maxAge)
    {
        TaskCompletionSource<IReadOnlyList<NodeInfo>> refresh;
        long version;
        lock (_nodesGate)
        {
            // A read stores its list under this lock before it completes, so a finished read is seen here.
            if (CachedNodeList(maxAge) is { } cached) return Task.FromResult(cached);
            version = Interlocked.Read(ref _nodesVersion);
            if (_nodesRefresh is { Task.IsCompleted: false } running && _nodesRefreshVersion == version) return running.Task;
            refresh = new TaskCompletionSource<IReadOnlyList<NodeInfo>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _nodesRefresh = refresh;
            _nodesRefreshVersion = version;
        }
        _ = ReadNodeListAsync(refresh, version);
        return refresh.Task;
    }

    private async Task ReadNodeListAsync(TaskCompletionSource<IReadOnlyList<NodeInfo>> refresh, long version)
    {
        try
        {
            Interlocked.Increment(ref _nodeListFetches);
            refresh.TrySetResult(await ReadNodesAsync(version, _disposing.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            refresh.TrySetException(new ObjectDisposedException(nameof(ImClient)));
        }
        catch (Exception e)
        {
            refresh.TrySetException(e);
        }
    }

    /// <summary>
    /// Reads the live nodes from the backplane and offers them to the cache (<see cref="OfferNodeList"/>), as read under
    /// the change count <paramref name="version"/>. Every node read goes through here: routing's and <see cref="GetNodesAsync"/>.
    /// </summary>
    private async Task<IReadOnlyList<NodeInfo>> ReadNodesAsync(long version, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var nodes = await WhileRedisWaitsAsync(_backplane.GetNodesAsync, cancellationToken, idempotent: true).ConfigureAwait(false);
        OfferNodeList(nodes, version, started);
        return nodes;
    }

    /// <summary>
    /// Keeps <paramref name="nodes"/> as the cached list unless a node change arrived since the read began (the list may
    /// predate it) or a list read later is already kept.
    /// </summary>
    private void OfferNodeList(IReadOnlyList<NodeInfo> nodes, long version, long readStartedAt)
    {
        if (_options.NodeListMaxAge <= TimeSpan.Zero) return;
        lock (_nodesGate)
        {
            if (version != Interlocked.Read(ref _nodesVersion)) return;
            if (_nodeList is { } kept && kept.Version == version && kept.ReadStartedAt >= readStartedAt) return;
            Volatile.Write(ref _nodeList, new NodeListSnapshot(nodes, version, readStartedAt));
        }
    }

    /// <summary>Drops the cached list: the next connect URL reads the nodes again.</summary>
    private void InvalidateNodeList() => Interlocked.Increment(ref _nodesVersion);

    private void StartNodeChanges()
    {
        lock (_nodesGate)
        {
            if (_nodeChangesState != NodeChangesOff || _disposing.IsCancellationRequested) return;
            _nodeChangesState = NodeChangesSubscribing;
            _nodeChangesListener ??= new NodeChangeSubscription.Listener(OnNodeChange, OnNodeChangesResubscribed);
            Volatile.Write(ref _nodeChangesSubscription, SubscribeNodeChangesAsync(_nodeChangesListener));
        }
    }

    private async Task SubscribeNodeChangesAsync(NodeChangeSubscription.Listener listener)
    {
        await Task.Yield(); // not under _nodesGate
        try
        {
            await NodeChangeSubscription.For(_backplane).AddAsync(listener).WaitAsync(_disposing.Token).ConfigureAwait(false);
            NodeChangesBecameLive();
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Every connect URL reads the nodes until the backplane's resubscription confirms the topic.
            ImClientLog.NodeChangesSubscribeFailed(_logger, e);
        }
    }

    /// <summary>
    /// Subscribed, first or again after the connection dropped: changes published meanwhile were lost, so the list read
    /// before does not count (the version moves on before the cache is trusted).
    /// </summary>
    private void NodeChangesBecameLive()
    {
        lock (_nodesGate)
        {
            if (_nodeChangesState == NodeChangesOff) return;
            InvalidateNodeList();
            Volatile.Write(ref _nodeChangesState, NodeChangesLive);
        }
    }

    private void OnNodeChangesResubscribed() => NodeChangesBecameLive();

    // Runs on the backplane's dispatch loop. Any change, even one this client cannot parse, drops the list.
    private void OnNodeChange(ReadOnlyMemory<byte> payload)
    {
        InvalidateNodeList();
        NodeChangeReceived?.Invoke(payload);
    }

    private async Task StopNodeChangesAsync()
    {
        NodeChangeSubscription.Listener? listener;
        lock (_nodesGate)
        {
            _nodeChangesState = NodeChangesOff;
            listener = _nodeChangesListener;
        }
        if (listener is null) return;
        await NodeChangesSubscription.ConfigureAwait(false); // never throws; cancelled by the disposal
        try
        {
            await NodeChangeSubscription.For(_backplane).RemoveAsync(listener).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ImClientLog.UnsubscribeFailed(_logger, ImTopics.NodeChanges, e);
        }
    }
}
