using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Delivery;

[TestFixture]
public sealed class DirectMessageTests : ClusterTestBase
{
    [Test]
    public async Task SendMessage_ReceiverOnOtherNode_DeliveredAsMessageFrame()
    {
        var sender = NewId("sender");
        var receiver = NewId("receiver");
        var senderSocket = await ConnectToAsync(sender, NodeA);
        var receiverSocket = await ConnectToAsync(receiver, NodeB);

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Cluster.Client.SendMessageAsync(sender, [receiver], new { text = "hello from A", n = 42 });

        var frame = await receiverSocket.ExpectAsync("message", Bound);
        var json = frame.Json;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("id").GetString(), Is.Not.Empty);
            Assert.That(json.GetProperty("from").GetString(), Is.EqualTo(sender));
            Assert.That(json.GetProperty("chan").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(json.GetProperty("ts").GetInt64(), Is.InRange(before - 5_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000));
            Assert.That(json.GetProperty("data").GetProperty("text").GetString(), Is.EqualTo("hello from A"));
            Assert.That(json.GetProperty("data").GetProperty("n").GetInt32(), Is.EqualTo(42));
            Assert.That(senderSocket.TryReceive(), Is.Null, "the sender is not a receiver");
        });
    }

    [Test]
    public async Task NodeBatchTopic_MalformedBatch_IsDroppedAndLogged_ThePacketsBeforeItAndLaterMessagesArrive()
    {
        var receiver = NewId("batch");
        var socket = await ConnectToAsync(receiver, NodeB);
        var good = RelayPacket.Write(new RelayHeader(RelayPacketKind.Message, To: [receiver], Id: "raw"),
            ClientFrames.Message("raw", null, null, 1, "\"before the bad entry\""u8.ToArray()));
        // One good packet, then a length past the end: the node dispatches the first and drops the rest.
        var batch = RelayBatch.Write([good]).Concat("999\n{"u8.ToArray()).ToArray();

        Assert.That(await Cluster.Backplane.PublishAsync(ImTopics.NodeBatch(NodeB.NodeId), batch), Is.EqualTo(1), "the node listens on its batch topic");
        Assert.That((await socket.ExpectAsync("message", Bound)).MessageData.GetString(), Is.EqualTo("before the bad entry"));
        await Cluster.Client.SendMessageAsync(null, [receiver], new { text = "after" });

        Assert.That((await socket.ExpectAsync("message", Bound)).MessageData.GetProperty("text").GetString(), Is.EqualTo("after"));
        await Wait.UntilAsync(() => NodeB.Log.Contains("malformed batch"), Bound, "the node to log the malformed batch");
    }

    [Test]
    public async Task SendMessage_OneClientConnectedOnTwoNodes_BothConnectionsGetOneCopy()
    {
        var client = NewId("twotabs");
        var onA = await ConnectToAsync(client, NodeA);
        var onB = await ConnectToAsync(client, NodeB);
        Assert.That(onA.Welcome!.Str("node"), Is.Not.EqualTo(onB.Welcome!.Str("node")));

        await Cluster.Client.SendMessageAsync(null, [client], new { text = "both tabs" });

        foreach (var socket in new[] { onA, onB })
        {
            var frame = await socket.ExpectAsync("message", Bound);
            Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("both tabs"));
            var before = await Frames.ReadUpToMarkerAsync(Cluster, client, socket, Bound);
            Assert.That(before, Is.Empty, "exactly one copy per connection");
        }
    }

    [Test]
    public async Task SendMessage_ManyReceiversOnBothNodes_EachGetsItOnce()
    {
        var ids = Enumerable.Range(0, 6).Select(i => NewId("many" + i)).ToArray();
        var sockets = new List<TestWebSocketClient>();
        for (var i = 0; i < ids.Length; i++) sockets.Add(await ConnectToAsync(ids[i], i % 2 == 0 ? NodeA : NodeB));

        await Cluster.Client.SendMessageAsync(null, ids, new { text = "to many" });

        for (var i = 0; i < ids.Length; i++)
        {
            var frame = await sockets[i].ExpectAsync("message", Bound);
            Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("to many"));
            Assert.That(await Frames.ReadUpToMarkerAsync(Cluster, ids[i], sockets[i], Bound), Is.Empty, $"one copy for {ids[i]}");
        }
    }

    [Test]
    public async Task SendMessage_WithReceipt_ReportsWrittenAndOfflineReceivers()
    {
        var onA = NewId("rcpt-a");
        var onB = NewId("rcpt-b");
        var offline = NewId("rcpt-offline");
        var socketA = await ConnectToAsync(onA, NodeA);
        var socketB = await ConnectToAsync(onB, NodeB);

        var receipt = await Cluster.Client.SendMessageAsync(null, [onA, onB, offline], new { text = "receipted" }, receipt: true);

        Assert.That(receipt, Is.Not.Null);
        var frameA = await socketA.ExpectAsync("message", Bound);
        await socketB.ExpectAsync("message", Bound);
        Assert.Multiple(() =>
        {
            Assert.That(receipt!.Written, Is.EquivalentTo(new[] { onA, onB }));
            Assert.That(receipt.Offline, Is.EquivalentTo(new[] { offline }));
            Assert.That(receipt.SilentNodes, Is.Empty);
            Assert.That(receipt.MessageId, Is.EqualTo(frameA.Str("id")), "the receipt names the message the receivers saw");
        });
    }

    [Test]
    public async Task SendMessage_WithoutReceipt_ReturnsNull()
    {
        var receiver = NewId("noreceipt");
        var socket = await ConnectToAsync(receiver, NodeB);

        var receipt = await Cluster.Client.SendMessageAsync(null, [receiver], new { text = "fire and forget" });

        Assert.That(receipt, Is.Null);
        await socket.ExpectAsync("message", Bound);
    }

    /// <summary>FreeIM's <c>clientId % servers.Length</c> broke on negative ids; any string must route and receive.</summary>
    [TestCase("-1")]
    [TestCase("-9223372036854775808")]
    [TestCase("9223372036854775807")]
    [TestCase("名字")]
    [TestCase("a:b c")]
    [TestCase("0")]
    public async Task SendMessage_OddClientId_RoutesToItsNodeAndReceives(string clientId)
    {
        // The ids are fixed, so make sure no earlier connection of the same id is around.
        Assume.That(await Cluster.Client.HasOnlineAsync(clientId), Is.False, "a previous test left this id online");
        var url = await Cluster.ConnectUrlAsync(clientId);
        var nodes = await Cluster.Client.GetNodesAsync();
        var expected = RetroIm.Im.Routing.NodeRouter.Pick(clientId, nodes, n => n.Id);
        Assert.That(url, Does.StartWith(expected.Url + "/ws?token="), "PrevConnectServer routes by the stable hash");

        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        var welcome = await socket.ExpectWelcomeAsync(Bound);
        Assert.That(welcome.Str("clientId"), Is.EqualTo(clientId));
        Assert.That(welcome.Str("node"), Is.EqualTo(expected.Id));

        await Cluster.Client.SendMessageAsync("sender " + clientId, [clientId], new { text = "odd id " + clientId });
        var frame = await socket.ExpectAsync("message", Bound);
        Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("odd id " + clientId));
        Assert.That(frame.Str("from"), Is.EqualTo("sender " + clientId));

        await socket.CloseAsync();
        await Wait.UntilAsync(async () => !await Cluster.Client.HasOnlineAsync(clientId), Bound, clientId + " offline");
    }
}
