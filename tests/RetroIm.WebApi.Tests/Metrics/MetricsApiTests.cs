using RetroIm.Testing;

namespace RetroIm.WebApi.Tests.Metrics;

[TestFixture]
public sealed class MetricsApiTests : RetroAppTestBase
{
    [Test]
    public async Task Metrics_AfterApiCalls_HttpRequestDurationsByRouteAndStatus()
    {
        var retroId = await Api.CreateRetroAsync("Metrics");
        await Api.GetAsync($"/api/retros/{retroId}");
        await Api.GetAsync("/api/retros/doesnotexist");

        // The duration is recorded when the request ends, which may be just after the client has the response.
        HttpResponseMessage response = null!;
        PrometheusText metrics = null!;
        await Wait.UntilAsync(async () =>
        {
            response?.Dispose();
            response = await Api.Http.GetAsync("/metrics");
            metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
            return metrics.Sum("http_server_request_duration_seconds_count", ("http_route", "/api/retros/{retroId}"), ("http_response_status_code", "404")) >= 1;
        }, TimeSpan.FromSeconds(10), "the 404 to be counted");
        using var scrape = response;

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
            Assert.That(metrics.Types["http_server_request_duration_seconds"], Is.EqualTo("histogram"));
            Assert.That(metrics.Sum("http_server_request_duration_seconds_count",
                ("http_route", "/api/retros/"), ("http_request_method", "POST"), ("http_response_status_code", "201")), Is.GreaterThanOrEqualTo(1));
            Assert.That(metrics.Sum("http_server_request_duration_seconds_count",
                ("http_route", "/api/retros/{retroId}"), ("http_request_method", "GET"), ("http_response_status_code", "200")), Is.GreaterThanOrEqualTo(1));
            Assert.That(metrics.Types, Does.ContainKey("dotnet_gc_collections_total"), "runtime metrics");
        });
    }

    [Test]
    public async Task Metrics_EmbeddedMode_ExportsTheRelaysCounters()
    {
        using var response = await Api.Http.GetAsync("/metrics");
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(metrics.Types, Does.ContainKey("retroim_relay_connects_total"));
        Assert.That(metrics.Types, Does.ContainKey("retroim_relay_connections"));
    }

    [Test]
    public async Task Metrics_ImHelpersQueueOfDirectMessages_ExportedFromTheStart()
    {
        using var response = await Api.Http.GetAsync("/metrics");
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Types.GetValueOrDefault("retroim_im_direct_queued"), Is.EqualTo("gauge"));
            Assert.That(metrics.Find("retroim_im_direct_queued").Select(sample => sample.Value), Is.EqualTo(new[] { 0.0 }), "one sample: nothing waits in memory mode");
            Assert.That(metrics.Types.GetValueOrDefault("retroim_im_direct_queue_wait_seconds"), Is.EqualTo("histogram"));
        });
    }
}
