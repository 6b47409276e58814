namespace RetroIm.Bench;

/// <summary>A system under test: its cluster on loopback, how clients reach it, and how the business publishes to it.</summary>
internal interface IBenchTarget : IAsyncDisposable
{
    /// <summary>The column header: "RetroIm", "Socket.IO" or "Floor".</summary>
    string Name { get; }

    /// <summary>Whether a reconnecting client gets the messages it missed (RetroIm's recovery; not the Redis adapter).</summary>
    bool ReplaysMissedMessages { get; }

    /// <summary>The live server processes (not redis-server, not the publisher), for CPU and RSS.</summary>
    IReadOnlyList<int> ServerProcessIds { get; }

    int? RedisProcessId { get; }

    /// <summary>The connection string of the run's redis-server (null for the floor, which has none), for <c>INFO commandstats</c>.</summary>
    string? RedisConnectionString => null;

    /// <summary>CPU seconds used so far by whatever publishes (RetroIm: this process, ImClient in it; Socket.IO: publisher.js).</summary>
    double PublisherCpuSeconds();

    /// <summary>
    /// Bytes the publisher has allocated so far (RetroIm: this process, where ImClient runs); null when the system cannot
    /// tell (Socket.IO's publisher.js, the floor).
    /// </summary>
    long? PublisherAllocatedBytes() => null;

    /// <summary>Starts redis-server and the nodes; completes when every node serves.</summary>
    Task StartAsync(int nodes);

    /// <summary>Business-side set-up before clients connect (RetroIm: channel membership through ImHelper).</summary>
    Task PrepareAsync(string scenario, string prefix, int clients);

    LoadGenSpec LoadGenSpec(string scenario, string prefix, int first, int count, int concurrency);

    /// <summary>Publishes the plan at its rate; returns the seconds it took.</summary>
    Task<double> PublishAsync(PublishPlan plan);

    /// <summary>kill -9 of node <paramref name="index"/>.</summary>
    void KillNode(int index);

    /// <summary>
    /// A full, blocking garbage collection in every live server process (RetroIm: <c>POST /debug/gc</c> with
    /// <c>ImServer:DebugEndpoints</c>; Socket.IO: <c>global.gc()</c> under <c>--expose-gc</c>), so memory can be read
    /// without garbage in it, as the floors were measured. False when the system cannot.
    /// </summary>
    Task<bool> CollectGarbageAsync() => Task.FromResult(false);

    /// <summary>
    /// Bytes allocated, collections and GC pause so far, summed over the live server processes (RetroIm: <c>GET
    /// /debug/alloc</c>; the floor: its <c>alloc</c> command); null when the system cannot tell (Socket.IO: V8 keeps no
    /// count of bytes allocated).
    /// </summary>
    Task<ServerAllocations?> AllocationsAsync() => Task.FromResult<ServerAllocations?>(null);

    /// <summary>The last lines each live node logged (RetroIm nodes log warnings and errors), for a run that went wrong.</summary>
    string ServerLogTail() => "";
}
