using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task HeartbeatNode_FirstAndLaterBeats_TrueOnlyFirst()
    {
        Assert.That(await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl), Is.True);
        Assert.That(await Backplane.HeartbeatNodeAsync(Node("n1", connections: 5), LongTtl), Is.False);

        var nodes = await Backplane.GetNodesAsync();

        Assert.That(nodes, Is.EqualTo(new[] { Node("n1", connections: 5) }), "the latest heartbeat's info");
    }

    [Test]
    public async Task GetNodes_SeveralNodes_OrderedById()
    {
        foreach (var id in new[] { "n3", "n1", "n2" }) await Backplane.HeartbeatNodeAsync(Node(id), LongTtl);

        var nodes = await Backplane.GetNodesAsync();

        Assert.That(nodes.Select(n => n.Id), Is.EqualTo(new[] { "n1", "n2", "n3" }));
    }

    [Test]
    public async Task ReapExpiredNodes_ExpiredNode_RemovedAndHeartbeatIsNewAgain()
    {
        await Backplane.HeartbeatNodeAsync(Node("dead"), TimeSpan.FromMilliseconds(100));
        await Backplane.HeartbeatNodeAsync(Node("live"), LongTtl);

        await AdvanceAsync(TimeSpan.FromMilliseconds(300));

        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "live" }), "an expired node is not routed to");
        Assert.That(await Backplane.ReapExpiredNodesAsync(), Is.EqualTo(new[] { "dead" }));
        Assert.That(await Backplane.ReapExpiredNodesAsync(), Is.Empty);
        Assert.That(await Backplane.HeartbeatNodeAsync(Node("dead"), LongTtl), Is.True, "a reaped node must re-add its connections");
    }

    [Test]
    public async Task ReapExpiredNodes_TwoConcurrentReapers_OfflineOnceAndNoKeysLeft()
    {
        var peer = await PeerAsync();
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        await Backplane.HeartbeatNodeAsync(Node("dead"), TimeSpan.FromMilliseconds(100));
        await Backplane.HeartbeatNodeAsync(Node("live"), LongTtl);
        await Backplane.AddConnectionAsync(Conn("dead", "x", metadata: "mx"));
        await Backplane.AddConnectionAsync(Conn("dead", "z", "c1"));
        await Backplane.AddConnectionAsync(Conn("dead", "z", "c2"));
        await Backplane.AddConnectionAsync(Conn("dead", "y"));
        await Backplane.AddConnectionAsync(Conn("live", "y"));
        await Backplane.AddChanMembersAsync("room", ["x", "y"]);
        Assert.That((await events.ReadUntilMarkerAsync(Backplane)).Count, Is.EqualTo(3), "x, z, y online");

        await AdvanceAsync(TimeSpan.FromMilliseconds(300));
        var reaped = await Task.WhenAll(Task.Run(() => Backplane.ReapExpiredNodesAsync()), Task.Run(() => peer.ReapExpiredNodesAsync()));

        Assert.That(reaped.SelectMany(r => r), Is.EqualTo(new[] { "dead" }), "exactly one reaper removes the node");
        var offline = await events.ReadUntilMarkerAsync(Backplane);
        Assert.That(offline.Select(e => (e.Type, e.ClientId, e.Node, e.Metadata)).OrderBy(e => e.ClientId, StringComparer.Ordinal), Is.EqualTo(new[]
        {
            (PresenceEvent.Offline, "x", (string?)"dead", (string?)"mx"),
            (PresenceEvent.Offline, "z", "dead", null),
        }));
        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.EqualTo(new[] { "y" }));
        Assert.That(await Backplane.GetClientNodesAsync("y"), Is.EqualTo(new Dictionary<string, long> { ["live"] = 1 }));
        Assert.That(await Backplane.GetChanOnlineAsync("room"), Is.EqualTo(1));

        await Backplane.RemoveNodeAsync("live");

        var last = await events.NextAsync();
        Assert.That((last.Type, last.ClientId, last.Node), Is.EqualTo((PresenceEvent.Offline, "y", "live")));
        Assert.That(await GetKeysAsync(Backplane), Is.EqualTo(new[]
        {
            "im:chanmembers:room", "im:chans", "im:clientchans:x", "im:clientchans:y",
        }), "only channel membership outlives the nodes");
    }

    [Test]
    public async Task RemoveNode_Graceful_OfflineForItsClientsOnly()
    {
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n2"), LongTtl);
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddConnectionAsync(Conn("n2", "b"));
        await events.ReadUntilMarkerAsync(Backplane);

        await Backplane.RemoveNodeAsync("n1");

        var offline = await events.ReadUntilMarkerAsync(Backplane);
        Assert.That(offline.Select(e => (e.Type, e.ClientId)), Is.EqualTo(new[] { (PresenceEvent.Offline, "a") }));
        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "n2" }));
        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.EqualTo(new[] { "b" }));
        Assert.That(await Backplane.ReapExpiredNodesAsync(), Is.Empty);
    }

    [Test]
    public async Task RemoveNode_Unknown_IsNoOp()
    {
        await Backplane.RemoveNodeAsync("never");

        Assert.That(await GetKeysAsync(Backplane), Is.Empty);
    }
}
