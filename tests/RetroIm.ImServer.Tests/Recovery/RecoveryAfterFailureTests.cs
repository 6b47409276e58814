using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>Recovery across failures that need a cluster of their own: Redis losing its data, a node killed.</summary>
[TestFixture]
public sealed class RecoveryAfterFailureTests : ClusterTestBase
{
    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 2);

    protected override bool SharesCluster => false;

    [Test]
    public async Task Reconnect_AfterRedisFlushAll_RecoverFailedEpochChanged()
    {
        var id = NewId("flushed");
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 0 });
        positions.Track(await first.ExpectAsync("message", Bound));
        await first.CloseAsync(Bound);
        var oldEpoch = positions[ImStreams.Client(id)].Epoch;

        var redis = await Cluster.GetRedisClientAsync();
        await redis.ExecuteAsync("FLUSHALL");
        await Cluster.WaitUntilListedAsync(NodeA, listed: true, Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 1 });

        var url = await Cluster.IssueUrlForNodeAsync(id, NodeA);
        var second = Own(await TestWebSocketClient.ConnectAsync(positions.AppendTo(url)));
        await second.ExpectWelcomeAsync(Bound);
        var failed = await second.ExpectAsync("recover_failed", Bound);
        await second.ExpectAsync("recovered", Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 2 });
        var live = await second.ExpectAsync("message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(failed.Str("reason"), Is.EqualTo("epoch_changed"));
            Assert.That(failed.Str("epoch"), Is.Not.EqualTo(oldEpoch).And.Not.Null);
            Assert.That(failed.Json.GetProperty("offset").GetInt64(), Is.EqualTo(1));
            Assert.That(StreamPositions.Of(live), Is.EqualTo((ImStreams.Client(id), failed.Str("epoch")!, 2L)));
        });
    }

    [Test]
    public async Task NodeForgottenWhileAlive_DirectMessageSentMeanwhile_ArrivesOnceItRegistersAgain()
    {
        var id = NewId("forgotten");
        var socket = await ConnectToAsync(id, NodeA);
        await Cluster.Presence.WaitForAsync(PresenceEvent.Online, id, Bound);

        // What a reaper does to a live node it took for dead (silent for SilentNodeTimeout, or paused past NodeTtl):
        // its clients look offline, so a direct message is kept in the client's stream but published to no node.
        await using (var reaper = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString)))
        {
            await reaper.RemoveNodeAsync(NodeA.NodeId);
        }
        await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, id, Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "while forgotten" });

        // The node's next heartbeat registers it again with its connections and reads their streams back.
        var frame = await socket.ExpectAsync("message", Bound);
        await Wait.UntilAsync(() => Cluster.Presence.Count(PresenceEvent.Online, id) == 2, Bound, "online again once registered again");
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "after" });
        var live = await socket.ExpectAsync("message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(frame.MessageData.GetProperty("n").GetString(), Is.EqualTo("while forgotten"));
            Assert.That(live.MessageData.GetProperty("n").GetString(), Is.EqualTo("after"), "once, in order, then live");
        });
    }

    [Test]
    public async Task KillNine_ClientReconnectsToAnotherNode_RecoversDirectAndChannel()
    {
        var doomed = await Cluster.StartNodeAsync();
        try
        {
            var id = NewId("survivor");
            var chan = NewId("killchan");
            await Cluster.Client.JoinChanAsync(chan, id);
            var positions = new StreamPositions();
            var first = await ConnectToAsync(id, doomed);
            await Cluster.Client.SendMessageAsync(null, [id], new { n = "d0" });
            await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c0" });
            for (var i = 0; i < 2; i++) positions.Track(await first.ExpectAsync("message", Bound));

            doomed.Kill();
            for (var i = 1; i <= 3; i++)
            {
                await Cluster.Client.SendMessageAsync(null, [id], new { n = "d" + i });
                await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c" + i });
            }
            var url = await Cluster.IssueUrlForNodeAsync(id, NodeA);
            var second = Own(await TestWebSocketClient.ConnectAsync(positions.AppendTo(url)));
            await second.ExpectWelcomeAsync(Bound);
            var (_, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);
            await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c4" });
            var live = await second.ExpectAsync("message", Bound);

            Assert.Multiple(() =>
            {
                Assert.That(replayed.Select(f => f.MessageData.GetProperty("n").GetString()), Is.EqualTo(new[] { "d1", "d2", "d3", "c1", "c2", "c3" }));
                Assert.That(live.MessageData.GetProperty("n").GetString(), Is.EqualTo("c4"));
                Assert.That(StreamPositions.Of(live)!.Value.Offset, Is.EqualTo(5));
            });
        }
        finally
        {
            await Cluster.RemoveNodeAsync(doomed);
        }
    }
}
