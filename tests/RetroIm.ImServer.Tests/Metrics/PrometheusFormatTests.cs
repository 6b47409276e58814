using System.Diagnostics.Metrics;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Metrics;

[TestFixture]
public sealed class PrometheusFormatTests
{
    [Test]
    public void Counter_WithAndWithoutTags_TotalsPerLabelSetWithHelpAndType()
    {
        using var meters = new TestMeters();
        var connects = meters.Meter.CreateCounter<long>("retroim.test.connects", "{connection}", "Accepted connections");
        var refusals = meters.Meter.CreateCounter<long>("retroim.test.refusals", "{request}", "Refused, by reason");
        connects.Add(3);
        connects.Add(2);
        refusals.Add(1, new KeyValuePair<string, object?>("reason", "unknown_token"));
        refusals.Add(4, new KeyValuePair<string, object?>("reason", "wrong_node"));
        refusals.Add(1, new KeyValuePair<string, object?>("reason", "unknown_token"));

        var text = meters.Scrape();
        var parsed = PrometheusText.Parse(text);

        Assert.That(text, Does.Contain("# HELP retroim_test_connects_total Accepted connections\n# TYPE retroim_test_connects_total counter\nretroim_test_connects_total 5\n"));
        Assert.That(parsed.Types["retroim_test_refusals_total"], Is.EqualTo("counter"));
        Assert.That(parsed.Sum("retroim_test_refusals_total", ("reason", "unknown_token")), Is.EqualTo(2));
        Assert.That(parsed.Sum("retroim_test_refusals_total", ("reason", "wrong_node")), Is.EqualTo(4));
    }

    [Test]
    public void UpDownCounter_AddsAndRemoves_IsGaugeWithRunningSum()
    {
        using var meters = new TestMeters();
        var open = meters.Meter.CreateUpDownCounter<long>("retroim.test.connections", "{connection}", "Open connections");
        open.Add(1);
        open.Add(1);
        open.Add(-1);

        var parsed = meters.ScrapeParsed();

        Assert.That(parsed.Types["retroim_test_connections"], Is.EqualTo("gauge"));
        Assert.That(parsed.Sum("retroim_test_connections"), Is.EqualTo(1));
    }

    [Test]
    public void ObservableInstruments_PolledAtEachScrape_ReportCurrentValuesOnly()
    {
        using var meters = new TestMeters();
        var queue = 7.5;
        var total = 10L;
        var shards = new List<Measurement<int>> { new(1, new KeyValuePair<string, object?>("shard", "a")) };
        meters.Meter.CreateObservableGauge("retroim.test.queue", () => queue, "s", "Queue age");
        meters.Meter.CreateObservableCounter("retroim.test.handled", () => total, "{item}", "Handled items");
        meters.Meter.CreateObservableUpDownCounter("retroim.test.shards", () => shards, "{shard}", "Shards by name");

        var first = meters.ScrapeParsed();
        queue = 2.25;
        total = 12;
        shards = [new(3, new KeyValuePair<string, object?>("shard", "b"))];
        var second = meters.ScrapeParsed();

        Assert.That(first.Sum("retroim_test_queue_seconds"), Is.EqualTo(7.5));
        Assert.That(second.Sum("retroim_test_queue_seconds"), Is.EqualTo(2.25));
        Assert.That(second.Types["retroim_test_handled_total"], Is.EqualTo("counter"));
        Assert.That(second.Sum("retroim_test_handled_total"), Is.EqualTo(12));
        Assert.That(second.Types["retroim_test_shards"], Is.EqualTo("gauge"));
        Assert.That(second.Find("retroim_test_shards", ("shard", "a")), Is.Empty, "a label set the callback stopped reporting is gone");
        Assert.That(second.Sum("retroim_test_shards", ("shard", "b")), Is.EqualTo(3));
    }

    [Test]
    public void Histogram_Observations_CumulativeBucketsWithInfSumAndCount()
    {
        using var meters = new TestMeters();
        var rtt = meters.Meter.CreateHistogram<double>("retroim.test.rtt", "s", "Round trips", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1] });
        foreach (var value in new[] { 0.0005, 0.001, 0.002, 0.05, 0.05, 3.0 }) rtt.Record(value, new KeyValuePair<string, object?>("op", "get"));

        var text = meters.Scrape();
        var parsed = PrometheusText.Parse(text); // checks le order, cumulative counts, +Inf == _count, _sum present

        Assert.That(parsed.Types["retroim_test_rtt_seconds"], Is.EqualTo("histogram"));
        Assert.That(text, Does.Contain("retroim_test_rtt_seconds_bucket{op=\"get\",le=\"0.001\"} 2\n"), "upper bounds are inclusive");
        Assert.That(parsed.Sum("retroim_test_rtt_seconds_bucket", ("le", "0.01")), Is.EqualTo(3));
        Assert.That(parsed.Sum("retroim_test_rtt_seconds_bucket", ("le", "0.1")), Is.EqualTo(5));
        Assert.That(parsed.Sum("retroim_test_rtt_seconds_bucket", ("le", "+Inf")), Is.EqualTo(6));
        Assert.That(parsed.Sum("retroim_test_rtt_seconds_count"), Is.EqualTo(6));
        Assert.That(parsed.Sum("retroim_test_rtt_seconds_sum"), Is.EqualTo(3.1035).Within(1e-9));
    }

    [Test]
    public void Histogram_WithoutAdvice_UsesDefaultSecondBuckets()
    {
        using var meters = new TestMeters();
        meters.Meter.CreateHistogram<double>("retroim.test.duration", "s").Record(0.3);

        var parsed = meters.ScrapeParsed();

        var bounds = parsed.Find("retroim_test_duration_seconds_bucket").Select(s => s.Labels["le"]).ToList();
        Assert.That(bounds, Does.Contain("0.005").And.Contain("10").And.Contain("+Inf"));
    }

    [Test]
    public void Labels_QuotesBackslashesNewlinesAndOddNames_AreEscapedAndSanitised()
    {
        using var meters = new TestMeters();
        var counter = meters.Meter.CreateCounter<long>("retroim.test-odd.name!", null, "Help with \\ and\nnewline");
        counter.Add(1, new KeyValuePair<string, object?>("http.route", "/a\"b\\c\nd"), new KeyValuePair<string, object?>("9lives", 42));

        var text = meters.Scrape();
        var parsed = PrometheusText.Parse(text);

        Assert.That(text, Does.Contain("# HELP retroim_test_odd_name_total Help with \\\\ and\\nnewline\n"));
        Assert.That(text, Does.Contain("retroim_test_odd_name_total{_9lives=\"42\",http_route=\"/a\\\"b\\\\c\\nd\"} 1\n"));
        var sample = parsed.Find("retroim_test_odd_name_total").Single();
        Assert.That(sample.Labels["http_route"], Is.EqualTo("/a\"b\\c\nd"), "round-trips through the escaping");
        Assert.That(parsed.Help["retroim_test_odd_name_total"], Is.EqualTo("Help with \\ and\nnewline"));
    }

    [Test]
    public void Tags_SameLabelsInAnotherOrder_OneSeries()
    {
        using var meters = new TestMeters();
        var counter = meters.Meter.CreateCounter<long>("retroim.test.ordered");
        counter.Add(1, new("a", "1"), new("b", "2"));
        counter.Add(1, new("b", "2"), new("a", "1"));

        var parsed = meters.ScrapeParsed();

        Assert.That(parsed.Find("retroim_test_ordered_total").Single().Value, Is.EqualTo(2));
    }

    [Test]
    public void Tags_MoreLabelSetsThanTheLimit_OverflowSeries()
    {
        using var meters = new TestMeters(maxSeries: 3);
        var counter = meters.Meter.CreateCounter<long>("retroim.test.users");
        for (var i = 0; i < 10; i++) counter.Add(1, new KeyValuePair<string, object?>("user", "u" + i));

        var parsed = meters.ScrapeParsed();

        Assert.That(parsed.Find("retroim_test_users_total").Count(), Is.EqualTo(4));
        Assert.That(parsed.Sum("retroim_test_users_total", ("otel_metric_overflow", "true")), Is.EqualTo(7));
    }

    [Test]
    public void Collector_MeterOfAnotherHostsFactory_NotExported()
    {
        using var mine = new TestMeters();
        using var theirs = new TestMeters();
        mine.Meter.CreateCounter<long>("retroim.test.scoped").Add(1);
        theirs.Meter.CreateCounter<long>("retroim.test.scoped").Add(5);

        Assert.That(mine.ScrapeParsed().Sum("retroim_test_scoped_total"), Is.EqualTo(1));
        Assert.That(theirs.ScrapeParsed().Sum("retroim_test_scoped_total"), Is.EqualTo(5));
    }

    [Test]
    public void Values_FloatingPointAndSpecials_InGoSyntax()
    {
        using var meters = new TestMeters();
        var values = new Dictionary<string, double> { ["tiny"] = 1e-7, ["nan"] = double.NaN, ["inf"] = double.PositiveInfinity, ["neg"] = -2.5 };
        meters.Meter.CreateObservableGauge("retroim.test.values", () => values.Select(v => new Measurement<double>(v.Value, new KeyValuePair<string, object?>("k", v.Key))));

        var text = meters.Scrape();
        var parsed = PrometheusText.Parse(text);

        Assert.That(parsed.Sum("retroim_test_values", ("k", "tiny")), Is.EqualTo(1e-7));
        Assert.That(text, Does.Contain("retroim_test_values{k=\"nan\"} NaN\n"));
        Assert.That(text, Does.Contain("retroim_test_values{k=\"inf\"} +Inf\n"));
        Assert.That(parsed.Sum("retroim_test_values", ("k", "neg")), Is.EqualTo(-2.5));
    }
}
