using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Lifecycle;

[TestFixture]
public sealed class GracefulShutdownTests : ClusterTestBase
{
    [Test]
    public async Task SigTerm_NodeWithClients_ClosesWith1012FiresOfflineAndExitsWithin10s()
    {
        var node = await Cluster.StartNodeAsync();
        try
        {
            var ids = Enumerable.Range(0, 5).Select(i => NewId("drain" + i)).ToArray();
            var sockets = new List<TestWebSocketClient>();
            foreach (var id in ids) sockets.Add(await ConnectToAsync(id, node));
            var elsewhere = NewId("elsewhere");
            var twoNodes = ids[0];
            await ConnectToAsync(twoNodes, NodeA); // a second tab on a node that stays
            await Cluster.Presence.WaitForAllAsync(PresenceEvent.Online, ids, Bound);
            var bystander = await ConnectToAsync(elsewhere, NodeB);

            var exitedAfter = await node.StopGracefullyAsync(TimeSpan.FromSeconds(10));

            await TestContext.Out.WriteLineAsync($"exited {exitedAfter.TotalSeconds:0.00} s after SIGTERM with code {await node.Exited}");
            foreach (var socket in sockets)
            {
                var close = await socket.WaitClosedAsync(Bound);
                Assert.That(close.Status, Is.EqualTo(ImCloseCodes.ServiceRestart), close.ToString());
            }
            await Cluster.Presence.WaitForAllAsync(PresenceEvent.Offline, ids.Skip(1), Bound);
            await Cluster.WaitUntilListedAsync(node, listed: false, Bound);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await node.Exited, Is.Zero, "a clean exit code");
                Assert.That(await Cluster.Client.HasOnlineAsync(twoNodes), Is.True, "the tab on the other node keeps the client online");
                Assert.That(Cluster.Presence.Count(PresenceEvent.Offline, twoNodes), Is.Zero);
                Assert.That(await Cluster.Client.HasOnlineAsync(elsewhere), Is.True);
            });
            await Cluster.Client.SendMessageAsync(null, [elsewhere], new { text = "the rest of the cluster works" });
            await bystander.ExpectAsync("message", Bound);
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }
}
