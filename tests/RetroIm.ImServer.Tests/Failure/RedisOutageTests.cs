using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>
/// Redis goes away under a running cluster and a WebApi: sockets stay open, /health says degraded (503 with a reason),
/// ImHelper calls fail fast (or wait within ImHelper:RedisWaitTimeout), and everything recovers by itself.
/// </summary>
[TestFixture]
public sealed class RedisOutageTests : ClusterTestBase
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(20);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 2);

    protected override bool SharesCluster => false;

    [Test]
    public async Task RedisStopped_NodesAndWebApi_ReportDegradedKeepSocketsAndRecover()
    {
        await using var webApi = await WebApiProcess.StartAsync(Cluster.Redis.Port);
        var id = NewId("outage");
        var socket = await ConnectToAsync(id, NodeA);

        await Cluster.Redis.StopAsync();
        try
        {
            foreach (var health in new[] { new Uri(NodeA.HttpBase, "/health"), new Uri(webApi.BaseAddress, "/health") })
            {
                var (status, body) = await GetAsync(health);
                Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body.ToString());
                Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("degraded"), body.ToString());
                Assert.That(body.GetProperty("reason").GetString(), Does.Contain("unreachable"), body.ToString());
            }

            var clock = Stopwatch.StartNew();
            Assert.ThrowsAsync<RedisConnectionException>(() => Cluster.Client.SendMessageAsync(null, [id], new { text = "lost?" }));
            Assert.ThrowsAsync<RedisConnectionException>(() => Cluster.Client.PrevConnectServerAsync(NewId("nobody")));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "ImHelper fails fast while Redis is down");
            Assert.That(socket.Closed.IsCompleted, Is.False, "the node keeps its sockets open");
        }
        finally
        {
            await Cluster.Redis.RestartAsync();
        }

        // Healthy again: HTTP 200 and the body says so, on both.
        await Wait.UntilAsync(async () => await IsHealthyAsync(new Uri(NodeA.HttpBase, "/health")), Recovery, "the node to be healthy again (200, status healthy)");
        await Wait.UntilAsync(async () => await IsHealthyAsync(new Uri(webApi.BaseAddress, "/health")), Recovery, "the WebApi to be healthy again (200, status healthy)");
        await Wait.UntilAsync(async () => await Cluster.Client.HasOnlineAsync(id), Recovery, "the client to be registered again");
        await Frames.SendUntilReceivedAsync(Cluster, id, socket, Recovery, "a message to reach the client that stayed connected");
    }

    [Test]
    public async Task RedisWaitTimeout_RedisBackWithinTheBound_SendSucceeds()
    {
        var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var waiting = new ImClient(backplane, new ImHelperOptions { RedisWaitTimeout = TimeSpan.FromSeconds(15) });
        try
        {
            var id = NewId("patient");
            var socket = await ConnectToAsync(id, NodeB);
            await Cluster.Redis.StopAsync();
            var sending = waiting.SendMessageAsync(null, [id], new { text = "waited" });
            await Task.Delay(TimeSpan.FromSeconds(1)); // the outage the send has to sit out
            Assert.That(sending.IsCompleted, Is.False, "the send waits for Redis");
            await Cluster.Redis.RestartAsync();

            await sending.WaitAsync(TimeSpan.FromSeconds(15));
            await Wait.UntilAsync(async () => await Cluster.Client.HasOnlineAsync(id), Recovery, "the client to be registered again");
        }
        finally
        {
            if (!Cluster.Redis.IsRunning) await Cluster.Redis.RestartAsync();
            await backplane.DisposeAsync();
        }
    }

    [Test]
    public async Task RedisWaitTimeout_RedisStaysDown_ThrowsAfterTheBound()
    {
        var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var waiting = new ImClient(backplane, new ImHelperOptions { RedisWaitTimeout = TimeSpan.FromSeconds(2) });
        await Cluster.Redis.StopAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAsync<RedisConnectionException>(() => waiting.SendChanMessageAsync(null, NewId("chan"), new { text = "never" }).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.That(clock.Elapsed, Is.InRange(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(8)), "waited about the bound, then threw");
        }
        finally
        {
            await Cluster.Redis.RestartAsync();
            await backplane.DisposeAsync();
        }
    }

    private static async Task<bool> IsHealthyAsync(Uri uri)
    {
        var (status, body) = await GetAsync(uri);
        return status == HttpStatusCode.OK && body.GetProperty("status").GetString() == "healthy";
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(Uri uri)
    {
        using var response = await Http.GetAsync(uri);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }
}
