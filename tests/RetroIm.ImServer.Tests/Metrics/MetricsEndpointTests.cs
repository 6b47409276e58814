using System.Net;
using RetroIm.ImServer.Tests.Connect;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Metrics;

/// <summary>Scrapes /metrics of a real node (the shared cluster's processes) and reads it with the strict parser.</summary>
[TestFixture]
public sealed class MetricsEndpointTests : ClusterTestBase
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Test]
    public async Task Metrics_AfterConnectsAndMessages_ValidExpositionWithRelayAndRedisFigures()
    {
        var client = NewId("metrics");
        var socket = await ConnectToAsync(client, NodeA);
        await Cluster.Client.SendMessageAsync(null, [client], new { text = "counted" });
        await socket.ExpectAsync("message", Bound);
        var (refused, _) = await UpgradeRequest.GetAsync(NodeA.Url + "/ws?token=" + ImCluster.NewToken(), asWebSocket: true);
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Unauthorized));

        using var response = await Http.GetAsync(new Uri(NodeA.HttpBase, "/metrics"));
        var text = await response.Content.ReadAsStringAsync();
        var metrics = PrometheusText.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
            Assert.That(metrics.Types["retroim_relay_connections"], Is.EqualTo("gauge"));
            Assert.That(metrics.Sum("retroim_relay_connections"), Is.GreaterThanOrEqualTo(1));
            Assert.That(metrics.Sum("retroim_relay_connects_total"), Is.GreaterThanOrEqualTo(1));
            Assert.That(metrics.Sum("retroim_relay_messages_out_total"), Is.GreaterThanOrEqualTo(2), "welcome + message");
            Assert.That(metrics.Sum("retroim_relay_bytes_out_total"), Is.GreaterThan(0));
            Assert.That(metrics.Find("retroim_relay_refusals_total").Sum(s => s.Value), Is.GreaterThanOrEqualTo(1), "the forged token");
            Assert.That(metrics.Types["retroim_redis_command_duration_seconds"], Is.EqualTo("histogram"));
            Assert.That(metrics.Sum("retroim_redis_command_duration_seconds_count"), Is.GreaterThan(0), "heartbeats and registrations went through Redis");
            Assert.That(metrics.Types, Does.ContainKey("retroim_relay_recoveries_total"));
            Assert.That(metrics.Types, Does.ContainKey("retroim_relay_queue_drops_total"));
            Assert.That(metrics.Types, Does.ContainKey("dotnet_gc_collections_total"), "runtime metrics");
        });
    }
}
