using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Delivery;

[TestFixture]
public sealed class ChannelTests : ClusterTestBase
{
    [Test]
    public async Task SendChanMessage_MembersOnEveryNode_ExactlyOneCopyPerConnection()
    {
        var chan = NewId("chan");
        var onA = NewId("member-a");
        var onB = NewId("member-b");
        var onBoth = NewId("member-ab");
        var outsider = NewId("outsider");
        await Cluster.Client.JoinChanAsync(chan, onA, onB, onBoth);
        var connections = new List<(string Id, TestWebSocketClient Socket)>
        {
            (onA, await ConnectToAsync(onA, NodeA)),
            (onB, await ConnectToAsync(onB, NodeB)),
            (onBoth, await ConnectToAsync(onBoth, NodeA)),
            (onBoth, await ConnectToAsync(onBoth, NodeB)),
        };
        var outsiderSocket = await ConnectToAsync(outsider, NodeA);

        await Cluster.Client.SendChanMessageAsync("moderator", chan, new { text = "to the channel" });

        foreach (var (id, socket) in connections)
        {
            var frame = await socket.ExpectAsync("message", Bound);
            Assert.Multiple(() =>
            {
                Assert.That(frame.Str("chan"), Is.EqualTo(chan));
                Assert.That(frame.Str("from"), Is.EqualTo("moderator"));
                Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("to the channel"));
            });
            var extra = await Frames.ReadUpToMarkerAsync(Cluster, id, socket, Bound);
            Assert.That(extra, Is.Empty, $"exactly one copy for a connection of {id}");
        }
        Assert.That(await Frames.ReadUpToMarkerAsync(Cluster, outsider, outsiderSocket, Bound), Is.Empty, "a non-member gets nothing");
        Assert.That(await Cluster.Client.GetChanOnlineAsync(chan), Is.EqualTo(3));
    }

    [Test]
    public async Task JoinChan_ClientAlreadyConnected_DeliversWithoutReconnect()
    {
        var chan = NewId("live-join");
        var early = NewId("early");
        var late = NewId("late");
        await Cluster.Client.JoinChanAsync(chan, early);
        var earlySocket = await ConnectToAsync(early, NodeA);
        var lateSocket = await ConnectToAsync(late, NodeB); // NodeB has no member of the channel yet

        await Cluster.Client.JoinChanAsync(chan, late);
        await lateSocket.ExpectAsync("joined", Bound); // the channel's position (README "Delivery guarantees")
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after join" });

        foreach (var socket in new[] { earlySocket, lateSocket })
        {
            var frame = await socket.ExpectAsync("message", Bound);
            Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("after join"));
            Assert.That(frame.Str("chan"), Is.EqualTo(chan));
        }
        Assert.That(await Cluster.Client.GetChanListByClientIdAsync(late), Does.Contain(chan));
    }

    /// <summary>
    /// The same join, but the message is sent only once the newly joined client's node has subscribed the channel:
    /// separates "the join never takes effect" from "JoinChanAsync returns before it has taken effect".
    /// </summary>
    [Test]
    public async Task JoinChan_ClientAlreadyConnected_DeliversOnceItsNodeSubscribed()
    {
        var chan = NewId("live-join2");
        var early = NewId("early");
        var late = NewId("late");
        await Cluster.Client.JoinChanAsync(chan, early);
        await ConnectToAsync(early, NodeA);
        var lateSocket = await ConnectToAsync(late, NodeB);

        await Cluster.Client.JoinChanAsync(chan, late);
        await lateSocket.ExpectAsync("joined", Bound); // the channel's position (README "Delivery guarantees")
        var redis = await Cluster.GetRedisClientAsync();
        await Wait.UntilAsync(
            async () => (await redis.ExecuteAsync("PUBSUB", "NUMSUB", "im:chan:" + chan)).Items[1].AsInt64() == 2,
            Bound,
            "both nodes to subscribe the channel");
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after subscribe" });

        var frame = await lateSocket.ExpectAsync("message", Bound);
        Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("after subscribe"));
    }

    [Test]
    public async Task JoinChan_ClientReconnects_MembershipSurvives()
    {
        var chan = NewId("sticky");
        var member = NewId("member");
        var first = await ConnectToAsync(member, NodeA);
        await Cluster.Client.JoinChanAsync(chan, member);
        await first.CloseAsync();
        await Cluster.Presence.WaitForAsync("offline", member, Bound);

        Assert.That(await Cluster.Client.GetChanClientListAsync(chan), Does.Contain(member), "membership is the business's: closing the socket keeps it");
        var second = await ConnectToAsync(member, NodeB);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after reconnect" });

        var frame = await second.ExpectAsync("message", Bound);
        Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("after reconnect"));
    }

    [Test]
    public async Task LeaveChan_ClientConnected_StopsDelivery()
    {
        var chan = NewId("leave");
        var leaver = NewId("leaver");
        var stayer = NewId("stayer");
        await Cluster.Client.JoinChanAsync(chan, leaver, stayer);
        var leaverSocket = await ConnectToAsync(leaver, NodeA);
        var stayerSocket = await ConnectToAsync(stayer, NodeA); // same node: the node stays subscribed to the channel

        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "before leave" });
        await leaverSocket.ExpectAsync("message", Bound);
        await stayerSocket.ExpectAsync("message", Bound);

        await Cluster.Client.LeaveChanAsync(chan, leaver);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after leave" });

        var stayerFrame = await stayerSocket.ExpectAsync("message", Bound);
        Assert.That(stayerFrame.MessageData.GetProperty("text").GetString(), Is.EqualTo("after leave"));
        var leaverGot = await Frames.ReadUpToMarkerAsync(Cluster, leaver, leaverSocket, Bound);
        Assert.That(Frames.CountMessages(leaverGot, "text", "after leave"), Is.Zero, "a client that left gets nothing more");
        Assert.That(await Cluster.Client.GetChanClientListAsync(chan), Is.EquivalentTo(new[] { stayer }));
        Assert.That(await Cluster.Client.GetChanListByClientIdAsync(leaver), Does.Not.Contain(chan));
    }

    [Test]
    public async Task LeaveChan_LastLocalMemberLeaves_OtherNodesStillDeliver()
    {
        var chan = NewId("leave-node");
        var onA = NewId("only-a");
        var onB = NewId("only-b");
        await Cluster.Client.JoinChanAsync(chan, onA, onB);
        var socketA = await ConnectToAsync(onA, NodeA);
        var socketB = await ConnectToAsync(onB, NodeB);

        await Cluster.Client.LeaveChanAsync(chan, onA);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "B only" });

        var frame = await socketB.ExpectAsync("message", Bound);
        Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("B only"));
        Assert.That(Frames.CountMessages(await Frames.ReadUpToMarkerAsync(Cluster, onA, socketA, Bound), "text", "B only"), Is.Zero);
    }
}
