using System.Diagnostics;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// <see cref="RedisBackplane.ReapSilentNodesAsync"/> on a real redis-server: a listed node nobody listens to (its
/// subscriber connection gone, as when its process dies) is reaped once it has been silent for the timeout, long
/// before its registration expires, and left out of the live nodes from the first check that finds it silent; a node
/// that listens, and a caller that does not, never reap or get reaped.
/// </summary>
[TestFixture]
public sealed class RedisSilentNodeTests : RedisBackplaneFixture
{
    private static readonly TimeSpan Timeout = BackplaneConformanceTests.Timeout;
    private static readonly TimeSpan LongTtl = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(300);
    private readonly List<RedisBackplane> _peers = [];

    protected override async Task BeforeDisposeAsync()
    {
        foreach (var peer in _peers) await peer.DisposeAsync();
        _peers.Clear();
    }

    [Test]
    public async Task ReapSilentNodes_ListedNodeNobodyListensTo_ReapedAfterTheTimeoutWithItsClientsOffline()
    {
        await ListenAsNodeAsync(Backplane, "self");
        await Backplane.HeartbeatNodeAsync(Node("dead"), LongTtl);
        await Backplane.AddConnectionAsync(new ConnectionRegistration("dead", "x", "c1", null));
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        var changes = new List<string>();
        await Backplane.SubscribeAsync(ImTopics.NodeChanges, (_, payload) => { lock (changes) changes.Add(System.Text.Encoding.UTF8.GetString(payload.Span)); });

        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "dead" }), "listed until a check finds it silent");
        var clock = Stopwatch.StartNew();
        Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty, "first seen silent: not yet");
        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.Empty, "found silent: no longer routed to, before it is reaped");
        IReadOnlyList<string> reaped = [];
        await Wait.UntilAsync(async () => (reaped = await Backplane.ReapSilentNodesAsync("self", Silence)).Count > 0, Timeout, "the silent node to be reaped");
        var elapsed = clock.Elapsed;

        Assert.Multiple(async () =>
        {
            Assert.That(reaped, Is.EqualTo(new[] { "dead" }));
            Assert.That(elapsed, Is.GreaterThanOrEqualTo(Silence - TimeSpan.FromMilliseconds(20)), "silent for the timeout first (Redis's clock)");
            Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.Empty, "'self' only listens, it never registered");
            Assert.That(await Backplane.GetOnlineClientsAsync(), Is.Empty);
            Assert.That((await Raw.ExecuteAsync("EXISTS", Prefix + "im:nodesilence")).AsInt64(), Is.Zero, "no silence entry left behind");
        });
        var offline = await events.NextAsync();
        Assert.That((offline.Type, offline.ClientId, offline.Node), Is.EqualTo((PresenceEvent.Offline, "x", "dead")));
        await Wait.UntilAsync(() => { lock (changes) return changes.Any(c => c.Contains("\"left\"") && c.Contains("\"dead\"")); }, Timeout, "the 'left' node change");
        Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty, "reaped once");
        Assert.That(await Backplane.HeartbeatNodeAsync(Node("dead"), LongTtl), Is.True, "a reaped node registers again (and re-adds its connections) with its next heartbeat");
    }

    [Test]
    public async Task ReapSilentNodes_PeerListeningOnItsInbox_NeverReaped()
    {
        await ListenAsNodeAsync(Backplane, "self");
        var peer = await PeerAsync();
        await ListenAsNodeAsync(peer, "alive");
        await Backplane.HeartbeatNodeAsync(Node("alive"), LongTtl);

        // Twice the timeout of sweeps, each of which would have marked or reaped a silent node.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < 2 * Silence)
        {
            Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty);
            await Task.Delay(Silence / 4);
        }

        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "alive" }));
        Assert.That((await Raw.ExecuteAsync("HLEN", Prefix + "im:nodesilence")).AsInt64(), Is.Zero);
    }

    [Test]
    public async Task ReapSilentNodes_CallerNotListeningItself_JudgesNoOne()
    {
        // The caller lost its own subscription (Redis restarted, its link dropped): a silent peer may be in the same boat.
        await Backplane.HeartbeatNodeAsync(Node("self"), LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("quiet"), LongTtl);

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < 2 * Silence)
        {
            Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty);
            await Task.Delay(Silence / 4);
        }

        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "quiet", "self" }));
        Assert.That((await Raw.ExecuteAsync("EXISTS", Prefix + "im:nodesilence")).AsInt64(), Is.Zero, "nothing marked");
    }

    [Test]
    public async Task ReapSilentNodes_NodeListensAgainBeforeTheTimeout_ItsSilenceStartsOverNextTime()
    {
        await ListenAsNodeAsync(Backplane, "self");
        await Backplane.HeartbeatNodeAsync(Node("flaky"), LongTtl);
        Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty, "marked silent");
        var peer = await PeerAsync();
        await ListenAsNodeAsync(peer, "flaky");
        Assert.That(await Backplane.ReapSilentNodesAsync("self", Silence), Is.Empty, "heard again: the mark goes");
        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "flaky" }), "and it is routed to again");
        Assert.That((await Raw.ExecuteAsync("HEXISTS", Prefix + "im:nodesilence", "flaky")).AsInt64(), Is.Zero);

        // Its subscriber drops (Redis kills the connection): a new silence, timed from now, not from the first mark.
        await Task.Delay(Silence);
        await Raw.ExecuteAsync("CLIENT", "KILL", "ID", await SubscriberIdAsync("flaky"));
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> reaped = [];
        await Wait.UntilAsync(async () => (reaped = await Backplane.ReapSilentNodesAsync("self", Silence)).Count > 0 || clock.Elapsed > Silence / 2, Timeout);

        Assert.That(reaped, Is.Empty, "silent for less than the timeout since it was last heard");
    }

    private async Task<IImBackplane> PeerAsync()
    {
        var peer = new RedisBackplane(RedisOptions.Parse(Server.ConnectionString + ",prefix=" + Prefix));
        _peers.Add(peer);
        await peer.PingAsync();
        return peer;
    }

    private static Task ListenAsNodeAsync(IImBackplane backplane, string nodeId) =>
        backplane.SubscribeAsync(ImTopics.Node(nodeId), static (_, _) => { });

    /// <summary>The id of the Redis connection subscribed to the node's inbox (the peer's subscriber).</summary>
    private async Task<long> SubscriberIdAsync(string nodeId)
    {
        var list = (await Raw.ExecuteAsync("CLIENT", "LIST", "TYPE", "pubsub")).AsString()!;
        var ids = list.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]))
            .Where(fields => fields["sub"] != "0")
            .Select(fields => long.Parse(fields["id"], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        // This fixture's own subscriber listens on 'self' (and events, node changes); the peer's is the newest.
        Assert.That(ids, Is.Not.Empty, nodeId + "'s subscriber");
        return ids.Max();
    }

    private static NodeInfo Node(string id) => new(id, "ws://" + id, 0, 1_700_000_000_000);
}
