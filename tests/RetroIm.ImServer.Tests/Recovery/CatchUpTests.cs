using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>
/// Streams kept gap-free beyond the positions a client saw in messages: the welcome's positions (a client that
/// received nothing yet still recovers), and the node's catch-up when pub/sub lost messages while it stayed connected.
/// </summary>
[TestFixture]
public sealed class CatchUpTests : ClusterTestBase
{
    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 1);

    protected override bool SharesCluster => false;

    [Test]
    public async Task Welcome_ClientThatReceivedNothing_PositionsLetItRecoverWhatWasPublishedWhileAway()
    {
        var id = NewId("quiet");
        var chan = NewId("quietchan");
        await Cluster.Client.JoinChanAsync(chan, id);
        var first = await ConnectToAsync(id, NodeA);
        var positions = new StreamPositions();
        foreach (var s in first.Welcome!.Json.GetProperty("streams").EnumerateArray())
        {
            positions.Set(s.GetProperty("stream").GetString()!, s.GetProperty("epoch").GetString()!, s.GetProperty("offset").GetInt64());
        }
        await first.CloseAsync(Bound);

        await Cluster.Client.SendMessageAsync(null, [id], new { n = "d1" });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c1" });
        var second = Own(await TestWebSocketClient.ConnectAsync(positions.AppendTo(await Cluster.IssueUrlForNodeAsync(id, NodeA))));
        await second.ExpectWelcomeAsync(Bound);
        var (recovered, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);

        Assert.Multiple(() =>
        {
            Assert.That(positions.ToString(), Does.Contain(ImStreams.Client(id) + "@").And.Contain(ImStreams.Chan(chan) + "@"));
            Assert.That(replayed.Select(f => f.MessageData.GetProperty("n").GetString()), Is.EqualTo(new[] { "d1", "c1" }));
            Assert.That(recovered.Json.GetProperty("streams").GetArrayLength(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Joined_WhileConnected_PositionLetsClientRecoverChannelMessagesPublishedWhileAway()
    {
        var id = NewId("joiner");
        var chan = NewId("joinchan");
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "before" });
        var first = await ConnectToAsync(id, NodeA);
        await Cluster.Client.JoinChanAsync(chan, id);
        var joined = await first.ExpectAsync("joined", Bound);
        var pos = joined.Json.GetProperty("pos");
        var positions = new StreamPositions();
        positions.Set(pos.GetProperty("stream").GetString()!, pos.GetProperty("epoch").GetString()!, pos.GetProperty("offset").GetInt64());
        await first.CloseAsync(Bound);

        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "away" });
        var second = Own(await TestWebSocketClient.ConnectAsync(positions.AppendTo(await Cluster.IssueUrlForNodeAsync(id, NodeA))));
        await second.ExpectWelcomeAsync(Bound);
        var (_, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);

        Assert.Multiple(() =>
        {
            Assert.That(joined.Str("chan"), Is.EqualTo(chan));
            Assert.That(pos.GetProperty("offset").GetInt64(), Is.EqualTo(1), "the message before the join is not the client's");
            Assert.That(replayed.Select(f => f.MessageData.GetProperty("n").GetString()), Is.EqualTo(new[] { "away" }));
        });
    }

    [Test]
    public async Task CatchUp_SubscriberConnectionKilled_MessagesPublishedMeanwhileArriveOnceInOrder()
    {
        const int Count = 30;
        var id = NewId("steady");
        var chan = NewId("steadychan");
        await Cluster.Client.JoinChanAsync(chan, id);
        var socket = await ConnectToAsync(id, NodeA);
        var redis = await Cluster.GetRedisClientAsync();

        // The node's pub/sub connection goes; what is published before it resubscribes never reaches it live.
        await redis.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        for (var i = 0; i < Count; i++)
        {
            await Cluster.Client.SendMessageAsync(null, [id], new { n = "d" + i });
            await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c" + i });
        }

        var direct = new List<long>();
        var channel = new List<long>();
        for (var i = 0; i < 2 * Count; i++)
        {
            var frame = await socket.ExpectAsync("message", TimeSpan.FromSeconds(15));
            var (stream, _, offset) = StreamPositions.Of(frame)!.Value;
            (stream.StartsWith(ImStreams.ClientPrefix, StringComparison.Ordinal) ? direct : channel).Add(offset);
        }
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "after" });
        var after = await socket.ExpectAsync("message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(direct, Is.EqualTo(Enumerable.Range(1, Count).Select(o => (long)o)), "direct messages once, in order");
            Assert.That(channel, Is.EqualTo(Enumerable.Range(1, Count).Select(o => (long)o)), "channel messages once, in order");
            Assert.That(after.MessageData.GetProperty("n").GetString(), Is.EqualTo("after"), "nothing else in between");
        });
    }

    [Test]
    public async Task CatchUp_RedisStopsAnsweringMidway_ConnectionStaysOpenAndCatchesUpAfter()
    {
        const string GaveUp = "failed; closing it so the client recovers";
        // A node whose Redis commands time out after 500 ms, so a read stalled by the pause below fails fast.
        var node = Own(await ImServerProcess.StartAsync(Cluster.Redis.Port, [$"--ImServer:Redis=127.0.0.1:{Cluster.Redis.Port},commandTimeout=500"]));
        var id = NewId("patient");
        var chan = NewId("patientchan");
        await Cluster.Client.JoinChanAsync(chan, id);
        var socket = await ConnectToAsync(id, node);
        var redis = await Cluster.GetRedisClientAsync();

        // Redis stops answering scripts (the catch-up's reads) for 3 s, but not SUBSCRIBE: the node's subscriber, cut
        // off, comes back at once and the node catches every connection up: each read times out until the pause ends.
        await redis.ExecuteAsync("CLIENT", "PAUSE", 3000, "WRITE");
        await redis.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await Wait.UntilAsync(
            () => node.Log.Contains("got no answer from Redis") || node.Log.Contains(GaveUp),
            Bound,
            "a catch-up read to time out");

        // Sent once Redis answers again (the send waits out the pause).
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "after" });
        var (after, skipped) = await socket.ReceiveUntilAsync(f => f.Type == "message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(after.MessageData.GetProperty("n").GetString(), Is.EqualTo("after"));
            Assert.That(node.Log.Contains("got no answer from Redis"), Is.True, "the read was tried again");
            Assert.That(skipped.Select(f => f.Type), Has.None.EqualTo("recover_failed"));
            Assert.That(socket.Closed.IsCompleted, Is.False, "the connection stays open through the stalled catch-up");
            Assert.That(node.Log.Contains(GaveUp), Is.False, "no catch-up gave up");
        });
    }
}
