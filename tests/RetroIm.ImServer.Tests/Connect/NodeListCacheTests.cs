using System.Diagnostics;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Routing;
using RetroIm.ImServer.Tests.Failure;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Connect;

/// <summary>
/// The node list connect URLs route with (ImHelper:NodeListMaxAge) against real nodes: they announce joining, draining
/// and leaving on im:nodechanges, and a crashed node is covered by the max age. Each test gets its own cluster and an
/// ImClient of its own (on its own Redis connections) whose cache the test sets; <see cref="ImClient.NodeListFetches"/>
/// counts its reads of the node list, <see cref="ImClient.NodeChangeReceived"/> says when a change arrived.
/// </summary>
[TestFixture]
public sealed class NodeListCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly List<IAsyncDisposable> _owned = [];

    [TearDown]
    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        _owned.Clear();
    }

    private async Task<ImCluster> ClusterAsync(int nodes)
    {
        var cluster = await ImCluster.StartAsync(nodes);
        _owned.Add(cluster);
        return cluster;
    }

    private async Task<ImClient> ClientAsync(ImCluster cluster, TimeSpan maxAge)
    {
        var backplane = new RedisBackplane(RedisOptions.Parse(cluster.RedisConnectionString));
        _owned.Add(backplane);
        var client = new ImClient(backplane, new ImHelperOptions { NodeListMaxAge = maxAge });
        _owned.Add(client);
        // The first URL subscribes node changes; once they are live, the next one fills the cache.
        await client.PrevConnectServerAsync("warm");
        await client.NodeChangesSubscription.WaitAsync(Bound);
        await client.PrevConnectServerAsync("warm");
        return client;
    }

    /// <summary>Completes with the node id of the first change of <paramref name="type"/> (for <paramref name="node"/>, when given).</summary>
    private static Task<string> NodeChangeSeenAsync(ImClient client, string type, string? node = null)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.NodeChangeReceived += payload =>
        {
            var change = JsonSerializer.Deserialize<NodeChange>(payload.Span, JsonSerializerOptions.Web);
            if (change?.Type == type && (node is null || change.Node == node)) seen.TrySetResult(change.Node);
        };
        return seen.Task.WaitAsync(Bound);
    }

    private static async Task<List<string>> UrlsAsync(ImClient client, string prefix, int count)
    {
        var urls = new List<string>(count);
        for (var i = 0; i < count; i++) urls.Add(await client.PrevConnectServerAsync(prefix + i));
        return urls;
    }

    [Test]
    public async Task Drain_ImctlDrain_NodeNotIssuedOnceTheChangeArrived()
    {
        var cluster = await ClusterAsync(2);
        var drained = cluster[1];
        var client = await ClientAsync(cluster, TimeSpan.FromHours(1));
        var reads = client.NodeListFetches;
        Assert.That(await UrlsAsync(client, "before", 40), Has.Some.StartWith(drained.Url + "/"), "both nodes are issued");
        Assert.That(client.NodeListFetches, Is.EqualTo(reads), "from the cache");
        var draining = NodeChangeSeenAsync(client, NodeChange.Draining, drained.NodeId);

        var (exitCode, output) = await ImCtlRunner.RunAsync("--redis", cluster.RedisConnectionString, "drain", drained.NodeId);
        Assert.That(exitCode, Is.Zero, output);
        await draining;

        // The max age is an hour: only the announcement can have moved routing.
        Assert.That(await UrlsAsync(client, "after", 40), Has.None.StartWith(drained.Url + "/"));
        Assert.That(client.NodeListFetches, Is.EqualTo(reads + 1));
    }

    [Test]
    public async Task Join_NewNode_IssuedOnceItsJoinArrived()
    {
        var cluster = await ClusterAsync(1);
        var client = await ClientAsync(cluster, TimeSpan.FromHours(1));
        var joined = NodeChangeSeenAsync(client, NodeChange.Joined);

        var added = await cluster.StartNodeAsync();
        Assert.That(await joined, Is.EqualTo(added.NodeId));

        var nodes = cluster.Nodes.Select(n => new NodeInfo(n.NodeId, n.Url, 0, 0)).ToArray();
        for (var i = 0; i < 40; i++)
        {
            var expected = NodeRouter.Pick("c" + i, nodes, n => n.Id);
            Assert.That(await client.PrevConnectServerAsync("c" + i), Does.StartWith(expected.Url + "/ws?"), "c" + i);
        }
    }

    [Test]
    public async Task Stop_GracefulShutdown_AnnouncesDrainingAndLeftAndIsNotIssued()
    {
        var cluster = await ClusterAsync(2);
        var stopped = cluster[1];
        var client = await ClientAsync(cluster, TimeSpan.FromHours(1));
        var draining = NodeChangeSeenAsync(client, NodeChange.Draining, stopped.NodeId);
        var left = NodeChangeSeenAsync(client, NodeChange.Left, stopped.NodeId);

        await stopped.StopGracefullyAsync(Bound);
        await Task.WhenAll(draining, left);

        Assert.That(await UrlsAsync(client, "after", 40), Has.None.StartWith(stopped.Url + "/"));
    }

    [Test]
    public async Task Kill_CrashedNode_NotIssuedWithinNodeTtlAndMaxAge()
    {
        var maxAge = TimeSpan.FromSeconds(1);
        var cluster = await ClusterAsync(2);
        var killed = cluster[1];
        var client = await ClientAsync(cluster, maxAge);
        var toKilled = (await UrlsAsync(client, "k", 40)).Select((url, i) => (url, id: "k" + i))
            .Where(x => x.url.StartsWith(killed.Url + "/", StringComparison.Ordinal)).Select(x => x.id).ToArray();
        Assert.That(toKilled, Is.Not.Empty);

        var since = Stopwatch.StartNew();
        killed.Kill();
        // Until its TTL runs out a crashed node is live to Redis too; after that the cache holds it for at most the max
        // age (less when a surviving node reaps it first and announces "left").
        var limit = ImServerProcess.NodeTtl + ImServerProcess.HeartbeatInterval + maxAge + TimeSpan.FromSeconds(2);
        await Wait.UntilAsync(async () =>
        {
            foreach (var id in toKilled)
            {
                if ((await client.PrevConnectServerAsync(id)).StartsWith(killed.Url + "/", StringComparison.Ordinal)) return false;
            }
            return true;
        }, limit, "the killed node to stop being issued", TimeSpan.FromMilliseconds(50));

        await TestContext.Out.WriteLineAsync($"not issued {since.ElapsedMilliseconds} ms after the kill (NodeTtl {ImServerProcess.NodeTtl.TotalMilliseconds} ms)");
    }
}
