using RetroIm.Relay.Diagnostics.Prometheus;

namespace RetroIm.ImServer.Tests.Metrics;

[TestFixture]
public sealed class PrometheusNamesTests
{
    [TestCase("retroim.relay.connects", "{connection}", "Counter", "retroim_relay_connects_total")]
    [TestCase("retroim.relay.bytes_out", "By", "Counter", "retroim_relay_bytes_out_total")]
    [TestCase("http.server.request.duration", "s", "Histogram", "http_server_request_duration_seconds")]
    [TestCase("retroim.relay.connections", "{connection}", "Gauge", "retroim_relay_connections")]
    [TestCase("requests_total", null, "Counter", "requests_total")]
    [TestCase("1st..metric--x", "ms", "Gauge", "_1st_metric_x_milliseconds")]
    [TestCase("heap", "MiBy", "Gauge", "heap_mebibytes")]
    public void MetricName_Instrument_PrometheusName(string instrument, string? unit, string type, string expected)
    {
        var name = PrometheusNames.MetricName(instrument, unit, Enum.Parse<MetricType>(type));

        Assert.That(name, Is.EqualTo(expected));
        Assert.That(PrometheusNames.IsValidMetricName(name), Is.True);
    }

    [TestCase("http.route", "http_route")]
    [TestCase("error:type", "error_type")]
    [TestCase("__private", "_private")]
    [TestCase("7up", "_7up")]
    public void LabelName_Tag_ValidLabel(string tag, string expected)
    {
        var name = PrometheusNames.LabelName(tag);

        Assert.That(name, Is.EqualTo(expected));
        Assert.That(PrometheusNames.IsValidLabelName(name), Is.True);
    }
}
