using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Lifecycle;

/// <summary>Restarts Redis (same port, data lost) under running nodes; owns its cluster so no other test sees the outage.</summary>
[TestFixture]
public sealed class RedisRestartTests : ClusterTestBase
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(20);

    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 2);

    protected override bool SharesCluster => false;

    [Test]
    public async Task RedisRestart_UnderRunningNodes_NodesReregisterPresenceAndDeliveryResumes()
    {
        var onA = NewId("survA");
        var onB = NewId("survB");
        var socketA = await ConnectToAsync(onA, NodeA);
        var socketB = await ConnectToAsync(onB, NodeB);
        await Cluster.Client.SendMessageAsync(null, [onA, onB], new { text = "before" });
        await socketA.ExpectAsync("message", Bound);
        await socketB.ExpectAsync("message", Bound);

        await Cluster.Redis.RestartAsync();

        // Redis came back empty: the nodes must notice (heartbeat says "new") and register themselves and their
        // connections again.
        await Wait.UntilAsync(async () => (await Cluster.Client.GetNodesAsync()).Count == 2, Recovery, "both nodes to re-register");
        await Wait.UntilAsync(async () => await Cluster.Client.HasOnlineAsync(onA) && await Cluster.Client.HasOnlineAsync(onB), Recovery, "presence to be re-registered");
        Assert.That((await Cluster.Client.GetClientListByOnlineAsync()).Intersect([onA, onB]), Is.EquivalentTo(new[] { onA, onB }));

        // The nodes' subscribers reconnect on their own; pub/sub is at-most-once, so retry until one gets through.
        foreach (var (id, socket) in new[] { (onA, socketA), (onB, socketB) })
        {
            await Frames.SendUntilReceivedAsync(Cluster, id, socket, Recovery, $"a direct message to reach {id} after the restart");
        }
        Assert.That(socketA.Closed.IsCompleted, Is.False, "connections survive a Redis restart");

        // Channels and broadcast work again (membership was lost with Redis' data: the business joins again). Wait
        // for both nodes' channel subscriptions, so this checks recovery and not how fast a join takes effect (that
        // is ChannelTests.JoinChan_ClientAlreadyConnected_DeliversWithoutReconnect).
        var chan = NewId("afterchan");
        await Cluster.Client.JoinChanAsync(chan, onA, onB);
        var redis = await Cluster.GetRedisClientAsync();
        await Wait.UntilAsync(
            async () => (await redis.ExecuteAsync("PUBSUB", "NUMSUB", "im:chan:" + chan)).Items[1].AsInt64() == 2,
            Recovery,
            "both nodes to subscribe the channel");
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "chan after" });
        await socketA.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "chan after"), Bound);
        await socketB.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "chan after"), Bound);
        await Cluster.Client.SendBroadcastMessageAsync(new { text = "all after" });
        await socketA.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "all after"), Bound);
        await socketB.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "all after"), Bound);

        // New connections and presence events work again.
        var newcomer = NewId("newcomer");
        var socketC = await ConnectAsync(newcomer);
        await Cluster.Presence.WaitForAsync(PresenceEvent.Online, newcomer, Recovery);
        await Cluster.Client.SendMessageAsync(null, [newcomer], new { text = "welcome back" });
        await socketC.ExpectAsync("message", Bound);
    }
}
