using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>
/// Listens to the configured meters and keeps, per instrument, the running totals, last values and histogram
/// buckets a scrape exports. Measurements are aggregated as they happen (no per-measurement allocation for a known
/// label set); observable instruments are polled at each scrape.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly PrometheusMetricsOptions _options;
    private readonly IMeterFactory _hostMeters;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    public MetricsCollector(IOptions<PrometheusMetricsOptions> options, IMeterFactory hostMeters)
    {
        _options = options.Value;
        _hostMeters = hostMeters;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Polls the observable instruments and returns every family, sorted by name.</summary>
    public MetricFamily[] Collect()
    {
        // One scrape at a time: observable families are cleared and refilled by the poll.
        lock (_lock)
        {
            foreach (var family in _families.Values)
            {
                if (family.IsObservable) family.Clear();
            }
            _listener.RecordObservableInstruments();
            return [.. _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)];
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        if (!_options.Meters.Contains(meter.Name)) return;
        // A meter from another host's factory belongs to that host's /metrics (tests run several nodes per process).
        if (meter.Scope is not null && !ReferenceEquals(meter.Scope, _hostMeters)) return;

        var type = TypeOf(instrument);
        var name = PrometheusNames.MetricName(instrument.Name, instrument.Unit, type);
        var family = new MetricFamily(instrument, name, type, _options.MaxSeriesPerMetric);
        lock (_lock)
        {
            // Two instruments with one Prometheus name would make an invalid exposition: the first keeps it.
            if (!_families.TryAdd(name, family)) return;
        }
        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family) return;
        lock (_lock)
        {
            if (_families.TryGetValue(family.Name, out var current) && ReferenceEquals(current, family)) _families.Remove(family.Name);
        }
    }

    private static MetricType TypeOf(Instrument instrument)
    {
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>)) return MetricType.Counter;
        if (definition == typeof(Histogram<>)) return MetricType.Histogram;
        return MetricType.Gauge;
    }
}
