using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>
/// <c>imctl drain</c> on a real three-node cluster: the drained node's clients move to the other nodes, each at the
/// moment its <c>reconnect</c> frame names, so the moves spread over the drain window.
/// </summary>
[TestFixture]
public sealed class DrainTests : DrainClusterTestBase
{
    [Test]
    public async Task Drain_NodeWithClients_EveryClientMovesSpreadOverTheWindowAndStaysReachable()
    {
        var drained = Cluster[2];
        var ids = Enumerable.Range(0, 30).Select(i => NewId("move" + i)).ToArray();
        var movers = new List<DrainMover>();
        foreach (var id in ids) movers.Add(Own(new DrainMover(Cluster, id, await Cluster.ConnectToNodeAsync(id, drained))));
        await Cluster.Presence.WaitForAllAsync(PresenceEvent.Online, ids, Bound);
        var drainedAt = DateTime.UtcNow;

        var (exitCode, output) = await ImCtlRunner.RunAsync("--redis", Cluster.RedisConnectionString, "drain", drained.NodeId);
        Assert.That(exitCode, Is.Zero, output);

        var moves = await Task.WhenAll(movers.Select(m => m.Moved.WaitAsync(Window + TimeSpan.FromSeconds(15))));
        await TestContext.Out.WriteLineAsync($"afterMs: {string.Join(",", moves.Select(m => m.AfterMs).Order())}");
        Assert.Multiple(() =>
        {
            Assert.That(moves.Select(m => m.Node), Has.None.EqualTo(drained.NodeId), "nobody reconnects to the draining node");
            Assert.That(moves.Select(m => m.AfterMs), Is.All.InRange(0L, (long)Window.TotalMilliseconds));
            // No storm: the delays really are spread (30 uniform draws over 4 s; the middle half spans ~2 s).
            var sorted = moves.Select(m => m.AfterMs).Order().ToArray();
            Assert.That(sorted[^1] - sorted[0], Is.GreaterThan((long)(Window.TotalMilliseconds / 2)), "afterMs spread over the window");
            var perSecond = moves.GroupBy(m => (int)(m.ReconnectedAt - drainedAt).TotalSeconds).Max(g => g.Count());
            Assert.That(perSecond, Is.LessThan(ids.Length * 2 / 3), "reconnects spread over the window, not in one burst");
        });

        // Routing skips the draining node, /health says so, and every moved client is online and reachable.
        var nodes = await Cluster.Client.GetNodesAsync();
        Assert.That(nodes.Single(n => n.Id == drained.NodeId).Draining, Is.True);
        for (var i = 0; i < 20; i++) Assert.That(await Cluster.ConnectUrlAsync(NewId("route")), Does.Not.StartWith(drained.Url + "/"));
        using (var http = new HttpClient { Timeout = Bound })
        using (var health = await http.GetAsync(new Uri(drained.HttpBase, "/health")))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.That(body.RootElement.GetProperty("status").GetString(), Is.EqualTo("draining"));
        }
        foreach (var id in ids) Assert.That(await Cluster.Client.HasOnlineAsync(id), Is.True, id);
        await Cluster.Client.SendMessageAsync(null, ids, new { text = "after the move" });
        foreach (var mover in movers) await mover.Current!.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "after the move"), Bound);
        await TestContext.Out.WriteLineAsync($"offline blips during the move: {ids.Sum(id => Cluster.Presence.Count(PresenceEvent.Offline, id))} of {ids.Length}");
    }

    [Test]
    public async Task Drain_ClientIgnoresReconnect_ClosedWith1012SoonAfterItsDelay()
    {
        var node = await Cluster.StartNodeAsync();
        try
        {
            var socket = await ConnectToAsync(NewId("deaf"), node);
            var (exitCode, output) = await ImCtlRunner.RunAsync("--redis", Cluster.RedisConnectionString, "drain", node.NodeId);
            Assert.That(exitCode, Is.Zero, output);

            var reconnect = await socket.ExpectAsync("reconnect", Bound);
            var afterMs = reconnect.Json.GetProperty("afterMs").GetInt64();
            var clock = Stopwatch.StartNew();
            var close = await socket.WaitClosedAsync(Window + TimeSpan.FromSeconds(10));

            Assert.That(close.Status, Is.EqualTo(ImCloseCodes.ServiceRestart), close.ToString());
            Assert.That(clock.ElapsedMilliseconds, Is.InRange(afterMs + Grace.TotalMilliseconds - 1000, afterMs + Grace.TotalMilliseconds + 4000),
                "closed DrainGrace after its afterMs: long enough to move by itself, not forever");
            var lateUrl = await Cluster.IssueUrlForNodeAsync(NewId("late"), node);
            var refused = Assert.ThrowsAsync<TestWebSocketConnectException>(async () => await TestWebSocketClient.ConnectAsync(lateUrl));
            Assert.That(refused!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a draining node refuses new connections");
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public async Task Drain_UnknownNode_FailsWithExitCode1()
    {
        var (exitCode, output) = await ImCtlRunner.RunAsync("--redis", Cluster.RedisConnectionString, "drain", "127.0.0.1:1");

        Assert.That(exitCode, Is.EqualTo(1), output);
    }
}
