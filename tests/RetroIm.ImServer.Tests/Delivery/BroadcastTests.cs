using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Delivery;

[TestFixture]
public sealed class BroadcastTests : ClusterTestBase
{
    [Test]
    public async Task SendBroadcast_ConnectionsOnEveryNode_EachGetsOneCopy()
    {
        var twoTabs = NewId("bc-tabs");
        var connections = new List<(string Id, TestWebSocketClient Socket)>();
        for (var i = 0; i < 3; i++)
        {
            var id = NewId("bc" + i);
            connections.Add((id, await ConnectToAsync(id, i % 2 == 0 ? NodeA : NodeB)));
        }
        connections.Add((twoTabs, await ConnectToAsync(twoTabs, NodeA)));
        connections.Add((twoTabs, await ConnectToAsync(twoTabs, NodeB)));
        var text = "broadcast " + Guid.NewGuid().ToString("N");

        await Cluster.Client.SendBroadcastMessageAsync(new { text });

        foreach (var (id, socket) in connections)
        {
            var (frame, skipped) = await socket.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", text), Bound);
            Assert.That(frame.Str("chan"), Is.Null);
            Assert.That(Frames.CountMessages(skipped, "text", text), Is.Zero);
            var extra = await Frames.ReadUpToMarkerAsync(Cluster, id, socket, Bound);
            Assert.That(Frames.CountMessages(extra, "text", text), Is.Zero, $"one copy for a connection of {id}");
        }
    }
}
