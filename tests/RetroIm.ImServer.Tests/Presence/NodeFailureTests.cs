using System.Diagnostics;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Presence;

[TestFixture]
public sealed class NodeFailureTests : ClusterTestBase
{
    [Test]
    public async Task KillNine_NodeWithClients_SurvivorsReportOfflineWithinTwiceNodeTtl()
    {
        var doomedNode = await Cluster.StartNodeAsync();
        try
        {
            var lost1 = NewId("lost1");
            var lost2 = NewId("lost2");
            var twoNodes = NewId("halfalive");
            var chan = NewId("killchan");
            await Cluster.Client.JoinChanAsync(chan, lost1, lost2, twoNodes);
            await ConnectToAsync(lost1, doomedNode);
            await ConnectToAsync(lost2, doomedNode);
            await ConnectToAsync(twoNodes, doomedNode);
            var alive = await ConnectToAsync(twoNodes, NodeA);
            await Cluster.Presence.WaitForAllAsync(PresenceEvent.Online, [lost1, lost2, twoNodes], Bound);

            var clock = Stopwatch.StartNew();
            doomedNode.Kill();
            await Task.WhenAll(
                Cluster.Presence.WaitForAsync(PresenceEvent.Offline, lost1, ImServerProcess.NodeTtl * 4),
                Cluster.Presence.WaitForAsync(PresenceEvent.Offline, lost2, ImServerProcess.NodeTtl * 4));
            var elapsed = clock.Elapsed;

            await TestContext.Out.WriteLineAsync($"offline after kill -9: {elapsed.TotalSeconds:0.00} s (NodeTtl {ImServerProcess.NodeTtl.TotalSeconds} s)");
            Assert.That(elapsed, Is.LessThanOrEqualTo(ImServerProcess.NodeTtl * 2), "offline within 2× the node TTL");
            await Cluster.ForgetDeadNodeAsync(doomedNode);
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await Cluster.Client.HasOnlineAsync(lost1), Is.False);
                Assert.That(await Cluster.Client.HasOnlineAsync(twoNodes), Is.True, "a client with a connection on a live node stays online");
                Assert.That(Cluster.Presence.Count(PresenceEvent.Offline, twoNodes), Is.Zero);
                Assert.That(await Cluster.Client.GetChanOnlineAsync(chan), Is.EqualTo(1));
                Assert.That((await Cluster.Client.GetNodesAsync()).Select(n => n.Id), Does.Not.Contain(doomedNode.NodeId));
            });

            // The surviving connection still receives.
            await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after the crash" });
            var frame = await alive.ExpectAsync("message", Bound);
            Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("after the crash"));
        }
        finally
        {
            await Cluster.RemoveNodeAsync(doomedNode);
        }
    }

    [Test]
    public async Task KillNine_NodeWhoseRegistrationOutlivesIt_SurvivorsReapItOnceItFallsSilent()
    {
        // Its registration would live a minute: only its subscriber connection, which Redis drops with the process,
        // can tell the survivors it is gone (ImServer:SilentNodeTimeout, 2 s by default).
        var doomedNode = await Cluster.StartNodeAsync(["--ImServer:HeartbeatInterval=00:00:20", "--ImServer:NodeTtl=00:01:00"]);
        try
        {
            var lost = NewId("silentlost");
            await ConnectToAsync(lost, doomedNode);
            await Cluster.Presence.WaitForAsync(PresenceEvent.Online, lost, Bound);
            Assert.That((await Cluster.Client.GetNodesAsync()).Select(n => n.Id), Does.Contain(doomedNode.NodeId));

            var clock = Stopwatch.StartNew();
            doomedNode.Kill();
            await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, lost, TimeSpan.FromSeconds(30));
            var elapsed = clock.Elapsed;
            await TestContext.Out.WriteLineAsync($"offline after kill -9 with a 60 s NodeTtl: {elapsed.TotalSeconds:0.00} s");

            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "reaped for its silence, not when its registration expired");
            Assert.That((await Cluster.Client.GetNodesAsync()).Select(n => n.Id), Does.Not.Contain(doomedNode.NodeId), "new clients are routed to the survivors");
            Assert.That(await Cluster.Client.HasOnlineAsync(lost), Is.False);
        }
        finally
        {
            await Cluster.RemoveNodeAsync(doomedNode);
        }
    }

    [Test]
    public async Task AllClientsOfANode_DisconnectAtOnce_NoStalePresenceOrChannelStateInRedis()
    {
        const int count = 200;
        var node = await Cluster.StartNodeAsync();
        try
        {
            var chan = NewId("masschan");
            var ids = Enumerable.Range(0, count).Select(i => NewId("mass" + i)).ToArray();
            await Cluster.Client.JoinChanAsync(chan, ids);
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
            var urls = await Task.WhenAll(ids.Select(id => Cluster.IssueUrlForNodeAsync(id, node)));
            var sockets = await Task.WhenAll(urls.Select(async url =>
            {
                var socket = Own(await TestWebSocketClient.ConnectAsync(url, new TestWebSocketOptions { Invoker = invoker }));
                await socket.ExpectWelcomeAsync(Bound);
                return socket;
            }));
            await Cluster.Presence.WaitForAllAsync(PresenceEvent.Online, ids, Bound);
            Assert.That(await Cluster.Client.GetChanOnlineAsync(chan), Is.EqualTo(count));

            // Half close politely, half vanish, all at the same moment.
            await Task.WhenAll(sockets.Select((s, i) => i % 2 == 0 ? s.CloseAsync() : Task.Run(s.Abort)));
            await Cluster.Presence.WaitForAllAsync(PresenceEvent.Offline, ids, TimeSpan.FromSeconds(20));

            var redis = await Cluster.GetRedisClientAsync();
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(await Cluster.Client.GetChanOnlineAsync(chan), Is.Zero);
                Assert.That((await Cluster.Client.GetClientListByOnlineAsync()).Intersect(ids), Is.Empty);
                Assert.That((await redis.ExecuteAsync("HLEN", "im:nodeclients:" + node.NodeId)).AsInt64(), Is.Zero, "the node's client hash");
                var stale = new List<string>();
                foreach (var id in ids)
                {
                    if ((await redis.ExecuteAsync("EXISTS", "im:client:" + id)).AsInt64() != 0) stale.Add("im:client:" + id);
                    if ((await redis.ExecuteAsync("EXISTS", "im:meta:" + id)).AsInt64() != 0) stale.Add("im:meta:" + id);
                    if ((await redis.ExecuteAsync("SISMEMBER", "im:online", id)).AsInt64() != 0) stale.Add("im:online ∋ " + id);
                }
                Assert.That(stale, Is.Empty, "presence keys left behind");
                // Channel membership is the business's and stays; the node's channel subscription must go.
                Assert.That((await redis.ExecuteAsync("SCARD", "im:chanmembers:" + chan)).AsInt64(), Is.EqualTo(count));
            });
            await Wait.UntilAsync(
                async () => (await redis.ExecuteAsync("PUBSUB", "NUMSUB", "im:chan:" + chan)).Items[1].AsInt64() == 0,
                Bound,
                "the node to unsubscribe the channel after its last local member left");
            await Wait.UntilAsync(
                async () => (await Cluster.Client.GetNodesAsync()).Single(n => n.Id == node.NodeId).Connections == 0,
                Bound,
                "the node's heartbeat to report 0 connections");
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }
}
