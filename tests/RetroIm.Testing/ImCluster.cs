using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.Testing;

/// <summary>
/// A whole relay cluster for tests: a real redis-server, N real ImServer processes, and the business side — a
/// <see cref="RedisBackplane"/> with an <see cref="ImClient"/> over it whose presence events are recorded.
/// </summary>
public sealed class ImCluster : IAsyncDisposable
{
    private readonly List<ImServerProcess> _nodes = [];
    private readonly List<ImServerProcess> _retired = [];
    private readonly string[] _nodeArgs;
    private RedisClient? _redisClient;

    private ImCluster(RedisServer redis, RedisBackplane backplane, ImClient client, string[] nodeArgs)
    {
        Redis = redis;
        Backplane = backplane;
        Client = client;
        Presence = new PresenceRecorder(client);
        _nodeArgs = nodeArgs;
    }

    public RedisServer Redis { get; }

    /// <summary>The connection string of <see cref="Redis"/> (what <c>ImServer:Redis</c> and <c>ImHelper:Redis</c> get).</summary>
    public string RedisConnectionString => $"127.0.0.1:{Redis.Port}";

    /// <summary>The business side's backplane (the one <see cref="Client"/> uses).</summary>
    public RedisBackplane Backplane { get; }

    public ImClient Client { get; }

    /// <summary>Every online/offline event <see cref="Client"/> has raised since the cluster started.</summary>
    public PresenceRecorder Presence { get; }

    /// <summary>The running nodes, in start order.</summary>
    public IReadOnlyList<ImServerProcess> Nodes
    {
        get { lock (_nodes) return _nodes.ToArray(); }
    }

    public ImServerProcess this[int index] => Nodes[index];

    /// <summary>Starts Redis and <paramref name="nodeCount"/> nodes, and waits until every node is registered and events flow.</summary>
    /// <param name="nodeArgs">Extra configuration for every node, e.g. <c>--ImServer:SendQueueLimit=8</c>.</param>
    public static async Task<ImCluster> StartAsync(int nodeCount = 2, IEnumerable<string>? nodeArgs = null)
    {
        var redis = await RedisServer.StartAsync().ConfigureAwait(false);
        RedisBackplane? backplane = null;
        ImCluster? cluster = null;
        try
        {
            backplane = new RedisBackplane(RedisOptions.Parse($"127.0.0.1:{redis.Port}"));
            var client = new ImClient(backplane);
            cluster = new ImCluster(redis, backplane, client, nodeArgs?.ToArray() ?? []);
            await client.EnsureEventsSubscribedAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var starts = Enumerable.Range(0, nodeCount).Select(_ => cluster.StartNodeAsync()).ToArray();
            await Task.WhenAll(starts).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            if (cluster is not null) await cluster.DisposeAsync().ConfigureAwait(false);
            else
            {
                if (backplane is not null) await backplane.DisposeAsync().ConfigureAwait(false);
                await redis.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>Starts one more node and waits until the cluster lists it.</summary>
    /// <param name="tlsCertificate">A PFX file (no password) for a node that terminates TLS itself (wss).</param>
    public async Task<ImServerProcess> StartNodeAsync(IEnumerable<string>? extraArgs = null, string? tlsCertificate = null)
    {
        var node = await ImServerProcess.StartAsync(Redis.Port, _nodeArgs.Concat(extraArgs ?? []), tlsCertificate: tlsCertificate).ConfigureAwait(false);
        lock (_nodes) _nodes.Add(node);
        await WaitUntilListedAsync(node, listed: true, TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        return node;
    }

    /// <summary>Waits until <see cref="ImClient.GetNodesAsync"/> lists (or no longer lists) <paramref name="node"/>.</summary>
    public Task WaitUntilListedAsync(ImServerProcess node, bool listed, TimeSpan timeout)
    {
        return Wait.UntilAsync(
            async () => (await Client.GetNodesAsync().ConfigureAwait(false)).Any(n => n.Id == node.NodeId) == listed,
            timeout,
            $"{node} to be {(listed ? "listed" : "gone")} in the cluster's nodes",
            TimeSpan.FromMilliseconds(100));
    }

    /// <summary>
    /// Stops a node gracefully (SIGTERM), waits until the cluster no longer lists it and forgets it. Use it to take an
    /// extra node away so later tests route only to the nodes they expect.
    /// </summary>
    public async Task RemoveNodeAsync(ImServerProcess node)
    {
        if (!node.HasExited)
        {
            try
            {
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Killed by StopGracefullyAsync; the reaper removes it within NodeTtl.
            }
        }
        await WaitUntilListedAsync(node, listed: false, ImServerProcess.NodeTtl * 3).ConfigureAwait(false);
        Retire(node);
    }

    /// <summary>Forgets a node that was killed, once the cluster has reaped it.</summary>
    public async Task ForgetDeadNodeAsync(ImServerProcess node)
    {
        await WaitUntilListedAsync(node, listed: false, ImServerProcess.NodeTtl * 3).ConfigureAwait(false);
        Retire(node);
    }

    private void Retire(ImServerProcess node)
    {
        lock (_nodes)
        {
            // Keep the process object (and its log) until the cluster is disposed, for failure reports.
            if (_nodes.Remove(node)) _retired.Add(node);
        }
    }

    /// <summary>A connect URL from the business API, routed by the cluster (<see cref="ImClient.PrevConnectServerAsync(string, string?, CancellationToken)"/>).</summary>
    public Task<string> ConnectUrlAsync(string clientId, string? metadata = null)
        => Client.PrevConnectServerAsync(clientId, metadata);

    /// <summary>
    /// A connect URL for <paramref name="node"/>, whatever the router would pick: a ticket stored directly with the
    /// backplane for that node (the mechanism <see cref="ImClient"/> uses).
    /// </summary>
    public async Task<string> IssueUrlForNodeAsync(string clientId, ImServerProcess node, string? metadata = null, TimeSpan? ttl = null)
    {
        var token = NewToken();
        var ticket = new ConnectTicket(clientId, metadata, node.NodeId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await Backplane.StoreTicketAsync(token, ticket, ttl ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return $"{node.Url}/ws?token={token}";
    }

    /// <summary>A random token in the format tickets use (base64url, 144 bits).</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    /// <summary>Connects <paramref name="clientId"/> wherever the router sends it and reads its welcome.</summary>
    public async Task<TestWebSocketClient> ConnectAsync(string clientId, string? metadata = null, TestWebSocketOptions? options = null)
    {
        var url = await ConnectUrlAsync(clientId, metadata).ConfigureAwait(false);
        return await OpenAsync(url, clientId, options).ConfigureAwait(false);
    }

    /// <summary>Connects <paramref name="clientId"/> to <paramref name="node"/> (a direct ticket when the router would pick another) and reads its welcome.</summary>
    public async Task<TestWebSocketClient> ConnectToNodeAsync(string clientId, ImServerProcess node, string? metadata = null, TestWebSocketOptions? options = null)
    {
        var url = await ConnectUrlAsync(clientId, metadata).ConfigureAwait(false);
        if (!url.StartsWith(node.Url + "/", StringComparison.Ordinal))
        {
            url = await IssueUrlForNodeAsync(clientId, node, metadata).ConfigureAwait(false);
        }
        return await OpenAsync(url, clientId, options).ConfigureAwait(false);
    }

    /// <summary>The node a connect URL points at.</summary>
    public ImServerProcess NodeOf(string url)
    {
        return Nodes.FirstOrDefault(n => url.StartsWith(n.Url + "/", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No running node serves {url.Split('?')[0]}.");
    }

    private static async Task<TestWebSocketClient> OpenAsync(string url, string clientId, TestWebSocketOptions? options)
    {
        var socket = await TestWebSocketClient.ConnectAsync(url, options).ConfigureAwait(false);
        if (options is { StartReceiving: false }) return socket;
        try
        {
            var welcome = await socket.ExpectWelcomeAsync().ConfigureAwait(false);
            if (welcome.Str("clientId") != clientId)
            {
                throw new UnexpectedFrameException($"The welcome names client {welcome.Str("clientId")}, expected {clientId}: {welcome}");
            }
            return socket;
        }
        catch
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A command connection to the cluster's Redis, for looking at keys directly.</summary>
    public async Task<RedisClient> GetRedisClientAsync()
    {
        return _redisClient ??= await RedisClient.ConnectAsync(RedisOptions.Parse(RedisConnectionString)).ConfigureAwait(false);
    }

    /// <summary>Every key in Redis (SCAN).</summary>
    public async Task<IReadOnlyList<string>> ScanKeysAsync(string pattern = "*")
    {
        var redis = await GetRedisClientAsync().ConfigureAwait(false);
        var keys = new List<string>();
        var cursor = "0";
        do
        {
            var reply = await redis.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000).ConfigureAwait(false);
            cursor = reply.Items[0].AsString() ?? "0";
            foreach (var key in reply.Items[1].Items) keys.Add(key.AsString()!);
        }
        while (cursor != "0");
        return keys;
    }

    /// <summary>The tail of every node's output (and the presence events), for a failure report.</summary>
    public string DescribeForFailure(int linesPerNode = 150)
    {
        var text = new StringBuilder();
        ImServerProcess[] all;
        lock (_nodes) all = [.. _nodes, .. _retired];
        foreach (var node in all)
        {
            text.AppendLine($"----- {node}{(node.HasExited ? " (exited)" : "")} -----");
            text.AppendLine(node.Log.Tail(linesPerNode));
        }
        var events = Presence.Events;
        text.AppendLine($"----- presence events ({events.Count}, last 40) -----");
        foreach (var e in events.Skip(Math.Max(0, events.Count - 40))) text.AppendLine($"{e.Type} {e.ClientId} @{e.Node}");
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Presence.Dispose();
        await Client.DisposeAsync().ConfigureAwait(false);
        ImServerProcess[] all;
        lock (_nodes) all = [.. _nodes, .. _retired];
        await Task.WhenAll(all.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (_redisClient is not null) await _redisClient.DisposeAsync().ConfigureAwait(false);
        await Backplane.DisposeAsync().ConfigureAwait(false);
        await Redis.DisposeAsync().ConfigureAwait(false);
    }
}
