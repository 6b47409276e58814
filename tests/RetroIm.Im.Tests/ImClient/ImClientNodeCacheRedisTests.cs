using System.Diagnostics;
using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Routing;
using RetroIm.Redis;
using RetroIm.Testing;
using RetroIm.Im.Tests.Backplane;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// The node-list cache over a real redis-server: node changes arrive asynchronously on the subscriber connection,
/// and Redis's own command counters (INFO commandstats) show how many reads the URLs cost.
/// </summary>
[TestFixture]
public sealed class ImClientNodeCacheRedisTests : RedisBackplaneFixture
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>What a node older than node changes ran for its heartbeat: registers, publishes nothing.</summary>
    private static readonly LuaScript OldHeartbeat = new("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
        return added
        """);

    private Im.ImClient NewClient(TimeSpan maxAge) => new(Backplane, new ImHelperOptions { NodeListMaxAge = maxAge });

    private Task HeartbeatAsync(string id, TimeSpan? ttl = null)
        => Backplane.HeartbeatNodeAsync(new NodeInfo(id, "ws://" + id, 0, 1_700_000_000_000), ttl ?? TimeSpan.FromMinutes(5));

    private async Task OldNodeHeartbeatAsync(string id, TimeSpan ttl)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new NodeInfo(id, "ws://" + id, 0, 1_700_000_000_000), JsonSerializerOptions.Web);
        await Raw.EvalAsync(OldHeartbeat, [Prefix + "im:nodes", Prefix + "im:nodeinfo:" + id], [id, (long)ttl.TotalMilliseconds, json]);
    }

    private static async Task WarmAsync(Im.ImClient client)
    {
        await client.PrevConnectServerAsync("warm");
        await client.NodeChangesSubscription.WaitAsync(Bound);
        await client.PrevConnectServerAsync("warm");
    }

    /// <summary>Completes when <paramref name="client"/> has received the node change of <paramref name="type"/> for <paramref name="node"/>.</summary>
    private static Task NodeChangeSeenAsync(Im.ImClient client, string type, string node)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.NodeChangeReceived += payload =>
        {
            var change = JsonSerializer.Deserialize<NodeChange>(payload.Span, JsonSerializerOptions.Web);
            if (change?.Type == type && change.Node == node) seen.TrySetResult();
        };
        return seen.Task.WaitAsync(Bound);
    }

    /// <summary>A client id the router sends to <paramref name="target"/> among <paramref name="ids"/>.</summary>
    private static string ClientRoutedTo(string target, params string[] ids)
    {
        var nodes = ids.Select(id => new NodeInfo(id, "ws://" + id, 0, 0)).ToArray();
        for (var i = 0; ; i++)
        {
            if (NodeRouter.Pick("c" + i, nodes, n => n.Id).Id == target) return "c" + i;
        }
    }

    private async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        var info = (await Raw.ExecuteAsync("INFO", "commandstats")).AsString()!;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n'))
        {
            // cmdstat_evalsha:calls=1,usec=12,...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            var name = line[8..line.IndexOf(':', StringComparison.Ordinal)];
            var value = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..];
            calls[name] = long.Parse(value[..value.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        }
        return calls;
    }

    [Test]
    public async Task PrevConnectServer_ConcurrentUrlsAfterANodeChange_ShareOneRead()
    {
        await HeartbeatAsync("n1");
        await HeartbeatAsync("n2");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);
        var joined = NodeChangeSeenAsync(client, NodeChange.Joined, "n3");
        await HeartbeatAsync("n3");
        await joined;
        var reads = client.NodeListFetches;
        await Raw.ExecuteAsync("CONFIG", "RESETSTAT");

        var urls = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => client.PrevConnectServerAsync("c" + i))));

        var calls = await CommandCallsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(client.NodeListFetches, Is.EqualTo(reads + 1), "one read of the node list");
            Assert.That(calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"), Is.EqualTo(1), "Redis ran the LiveNodes script once");
            Assert.That(calls.GetValueOrDefault("set"), Is.EqualTo(64), "one ticket per URL");
            Assert.That(urls.Select(u => u[..u.IndexOf("/ws?", StringComparison.Ordinal)]).Distinct(), Does.Contain("ws://n3"), "the read after the change");
        });
    }

    [Test]
    public async Task PrevConnectServer_CacheWarm_OneRoundTripPerUrl()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);
        await Raw.ExecuteAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < 20; i++) await client.PrevConnectServerAsync("c" + i);

        var calls = await CommandCallsAsync();
        Assert.That(calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"), Is.Zero);
        Assert.That(calls.GetValueOrDefault("set"), Is.EqualTo(20));
    }

    [Test]
    public async Task PrevConnectServer_CacheOff_ReadsTheNodesForEveryUrl()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.Zero);
        await client.PrevConnectServerAsync("warm");
        await Raw.ExecuteAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < 20; i++) await client.PrevConnectServerAsync("c" + i);

        var calls = await CommandCallsAsync();
        Assert.That(calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"), Is.EqualTo(20));
        Assert.That(calls.GetValueOrDefault("set"), Is.EqualTo(20));
        Assert.That(calls.GetValueOrDefault("subscribe"), Is.Zero);
    }

    [Test]
    public async Task PrevConnectServer_NodeOlderThanNodeChangesJoins_IssuedWithinMaxAge()
    {
        var maxAge = TimeSpan.FromMilliseconds(500);
        await HeartbeatAsync("n1");
        await using var client = NewClient(maxAge);
        await WarmAsync(client);
        var changes = 0;
        client.NodeChangeReceived += _ => Interlocked.Increment(ref changes);
        var toOld = ClientRoutedTo("old", "n1", "old");

        var joinedAt = Stopwatch.StartNew();
        await OldNodeHeartbeatAsync("old", TimeSpan.FromMinutes(5));
        await Wait.UntilAsync(async () => (await client.PrevConnectServerAsync(toOld)).StartsWith("ws://old/", StringComparison.Ordinal),
            Bound, "the old node to be issued", TimeSpan.FromMilliseconds(20));

        Assert.That(joinedAt.Elapsed, Is.LessThan(maxAge + TimeSpan.FromSeconds(1)));
        Assert.That(changes, Is.Zero, "the old node announced nothing: the max age found it");
    }

    [Test]
    public async Task PrevConnectServer_NodeExpiresUnannounced_NotIssuedPastMaxAge()
    {
        // A crashed node that nobody reaps (no other node runs): it leaves the live list when its TTL runs out, and
        // the cache may route to it for at most the max age after that.
        var maxAge = TimeSpan.FromMilliseconds(500);
        await HeartbeatAsync("n1");
        await OldNodeHeartbeatAsync("dying", TimeSpan.FromMilliseconds(1500));
        await using var client = NewClient(maxAge);
        await WarmAsync(client);
        var toDying = ClientRoutedTo("dying", "n1", "dying");
        Assert.That(await client.PrevConnectServerAsync(toDying), Does.StartWith("ws://dying/"));

        Stopwatch? goneFor = null;
        await Wait.UntilAsync(async () =>
        {
            // The backplane directly: ImClient.GetNodesAsync would refresh the cache.
            if (goneFor is null && (await Backplane.GetNodesAsync()).All(n => n.Id != "dying")) goneFor = Stopwatch.StartNew();
            return goneFor is not null && !(await client.PrevConnectServerAsync(toDying)).StartsWith("ws://dying/", StringComparison.Ordinal);
        }, Bound, "the expired node to stop being issued", TimeSpan.FromMilliseconds(20));

        Assert.That(goneFor!.Elapsed, Is.LessThan(maxAge + TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task GetNodesAsync_AfterAnUnannouncedJoin_RefreshesTheCache()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);
        var toOld = ClientRoutedTo("old", "n1", "old");
        await OldNodeHeartbeatAsync("old", TimeSpan.FromMinutes(5));

        Assert.That((await client.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "n1", "old" }));
        var reads = client.NodeListFetches;

        Assert.That(await client.PrevConnectServerAsync(toOld), Does.StartWith("ws://old/"));
        Assert.That(client.NodeListFetches, Is.EqualTo(reads), "routed with the list GetNodesAsync read");
    }

    [Test]
    public async Task PrevConnectServer_SubscriberReconnects_CacheDropped()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);
        var reads = client.NodeListFetches;

        // Node changes published while the subscriber is away are lost: after it is back, the list is read again.
        var resubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Backplane.Resubscribed += () => resubscribed.TrySetResult();
        await Raw.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await resubscribed.Task.WaitAsync(Bound);
        await client.PrevConnectServerAsync("a");

        Assert.That(client.NodeListFetches, Is.EqualTo(reads + 1));
    }
}
