using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Diagnostics.Prometheus;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Metrics;

/// <summary>A host's meter factory with a collector exporting the meter <see cref="Name"/>; disposing ends both.</summary>
internal sealed class TestMeters : IDisposable
{
    public const string Name = "RetroIm.Tests.Metrics";

    private readonly ServiceProvider _services;

    public TestMeters(int maxSeries = 1000)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory = _services.GetRequiredService<IMeterFactory>();
        Meter = Factory.Create(Name);
        var options = new PrometheusMetricsOptions { MaxSeriesPerMetric = maxSeries };
        options.Meters.Add(Name);
        Collector = new MetricsCollector(Options.Create(options), Factory);
    }

    public IMeterFactory Factory { get; }

    public Meter Meter { get; }

    public MetricsCollector Collector { get; }

    /// <summary>The exposition text now.</summary>
    public string Scrape()
    {
        var text = new StringBuilder();
        PrometheusTextWriter.Write(text, Collector.Collect());
        return text.ToString();
    }

    /// <summary>The exposition, parsed strictly (a format error fails the test).</summary>
    public PrometheusText ScrapeParsed() => PrometheusText.Parse(Scrape());

    public void Dispose()
    {
        Collector.Dispose();
        _services.Dispose();
    }
}
