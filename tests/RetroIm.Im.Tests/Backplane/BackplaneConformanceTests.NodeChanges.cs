using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task HeartbeatNode_NewNodeThenPlainBeats_PublishesJoinedOnce()
    {
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1", connections: 7), LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1", connections: 8), LongTtl);

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Joined, "n1") }), "a beat that changes only figures is not a change");
        Assert.That(JsonSerializer.Deserialize<NodeChange>(published[0], JsonSerializerOptions.Web)!.Ts, Is.GreaterThan(0));
    }

    [Test]
    public async Task HeartbeatNode_BeginsDraining_PublishesDrainingOnce()
    {
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        await Backplane.HeartbeatNodeAsync(Node("n1") with { Draining = true }, LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1", connections: 3) with { Draining = true }, LongTtl);

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Draining, "n1") }));
    }

    [Test]
    public async Task HeartbeatNode_RestartUnderSameIdOrNewUrl_PublishesJoined()
    {
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        // Crashed and came back before it was reaped: still in the ZSET, but another process.
        await Backplane.HeartbeatNodeAsync(Node("n1") with { StartedAtMs = 1_700_000_000_001 }, LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1") with { StartedAtMs = 1_700_000_000_001, Url = "wss://n1.example" }, LongTtl);

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Joined, "n1"), (NodeChange.Joined, "n1") }));
    }

    [Test]
    public async Task HeartbeatNode_AfterItsInfoExpired_PublishesJoined()
    {
        await Backplane.HeartbeatNodeAsync(Node("n1"), TimeSpan.FromMilliseconds(100));
        await AdvanceAsync(TimeSpan.FromMilliseconds(300));
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        // Expired but not reaped (so not new to the ZSET): it was not routable, now it is again.
        Assert.That(await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl), Is.False);

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Joined, "n1") }));
    }

    [Test]
    public async Task RemoveNode_ListedNode_PublishesLeftAfterItsClientsOffline()
    {
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        await Backplane.AddConnectionAsync(Conn("n1", "alice"));
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        await Backplane.RemoveNodeAsync("n1");
        await Backplane.RemoveNodeAsync("n1");
        await Backplane.RemoveNodeAsync("never-there");

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Left, "n1") }), "only the call that removed it");
        Assert.That(await Backplane.IsOnlineAsync("alice"), Is.False);
    }

    [Test]
    public async Task ReapExpiredNodes_ExpiredNode_PublishesLeft()
    {
        await Backplane.HeartbeatNodeAsync(Node("dead"), TimeSpan.FromMilliseconds(100));
        await Backplane.HeartbeatNodeAsync(Node("live"), LongTtl);
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        await AdvanceAsync(TimeSpan.FromMilliseconds(300));
        await Backplane.ReapExpiredNodesAsync();
        await Backplane.ReapExpiredNodesAsync();

        var published = await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges);
        Assert.That(published.Select(Change), Is.EqualTo(new[] { (NodeChange.Left, "dead") }));
    }

    private static (string Type, string Node) Change(string json)
    {
        var change = JsonSerializer.Deserialize<NodeChange>(json, JsonSerializerOptions.Web)!;
        return (change.Type, change.Node);
    }
}
