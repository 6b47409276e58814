using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>
/// Everything one instrument measured, by label set. The hot path finds its series by comparing the measurement's
/// tags with the few label sets seen so far (no allocation); a new label set takes a lock once.
/// </summary>
internal sealed class MetricFamily
{
    private static readonly KeyValuePair<string, string>[] OverflowLabels = [new("otel_metric_overflow", "true")];

    private readonly int _maxSeries;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MetricSeries> _byKey = new(StringComparer.Ordinal);

    // Tags as measurements give them (one entry per tag order seen) → series. Replaced, never mutated, so readers
    // need no lock.
    private volatile Entry[] _entries = [];
    private MetricSeries? _overflow;

    public MetricFamily(Instrument instrument, string name, MetricType type, int maxSeries)
    {
        Instrument = instrument;
        Name = name;
        Type = type;
        _maxSeries = maxSeries;
        Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        IsObservable = instrument.IsObservable;
        // UpDownCounters add up to a gauge; observable instruments and Gauge<T> report the current value.
        Adds = !instrument.IsObservable && type != MetricType.Histogram && !IsGauge(instrument);
        Bounds = type == MetricType.Histogram ? HistogramBuckets.For(instrument) : [];
    }

    public Instrument Instrument { get; }

    /// <summary>The Prometheus name (counters include <c>_total</c>).</summary>
    public string Name { get; }

    public string Help { get; }

    public MetricType Type { get; }

    public bool IsObservable { get; }

    /// <summary>Measurements are deltas (counters, up-down counters) rather than current values.</summary>
    public bool Adds { get; }

    public double[] Bounds { get; }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Find(tags);
        if (Type == MetricType.Histogram) series.Observe(value, Bounds);
        else if (Adds) series.Add(value);
        else series.Set(value);
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Find(tags);
        if (Type == MetricType.Histogram) series.Observe(value, Bounds);
        else if (Adds) series.Add(value);
        else series.Set(value);
    }

    /// <summary>Every series, sorted by labels so the output is stable.</summary>
    public MetricSeries[] Snapshot()
    {
        lock (_lock)
        {
            var series = new MetricSeries[_byKey.Count + (_overflow is null ? 0 : 1)];
            var i = 0;
            foreach (var key in _byKey.Keys.Order(StringComparer.Ordinal)) series[i++] = _byKey[key];
            if (_overflow is not null) series[i] = _overflow;
            return series;
        }
    }

    /// <summary>Observable instruments report every label set anew at each scrape: a vanished label set disappears.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _byKey.Clear();
            _overflow = null;
            _entries = [];
        }
    }

    private MetricSeries Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var entries = _entries;
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Matches(tags)) return entries[i].Series;
        }
        return Add(tags);
    }

    private MetricSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = ToLabels(tags);
        var key = Key(labels);
        lock (_lock)
        {
            foreach (var entry in _entries)
            {
                if (entry.Matches(tags)) return entry.Series;
            }
            if (!_byKey.TryGetValue(key, out var series))
            {
                if (_byKey.Count >= _maxSeries)
                {
                    // Not remembered as an entry: over the limit every new label set pays the lock, which is the point.
                    return _overflow ??= new MetricSeries(OverflowLabels, BucketCount);
                }
                series = new MetricSeries(labels, BucketCount);
                _byKey.Add(key, series);
            }
            // The same labels in another order reach the same series.
            _entries = [.. _entries, new Entry(tags.ToArray(), series)];
            return series;
        }
    }

    private int BucketCount => Type == MetricType.Histogram ? Bounds.Length + 1 : 0;

    private static KeyValuePair<string, string>[] ToLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            var name = PrometheusNames.LabelName(tag.Key);
            // Two tags that sanitise to one label name: the first wins, so the output never repeats a label.
            if (labels.Exists(l => l.Key == name)) continue;
            labels.Add(new(name, LabelValue(tag.Value)));
        }
        labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return [.. labels];
    }

    private static string LabelValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Key(KeyValuePair<string, string>[] labels)
    {
        var key = new StringBuilder();
        foreach (var (name, value) in labels) key.Append(name).Append('\0').Append(value).Append('\0');
        return key.ToString();
    }

    private static bool IsGauge(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Gauge<>);
    }

    private sealed record Entry(KeyValuePair<string, object?>[] Tags, MetricSeries Series)
    {
        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != Tags.Length) return false;
            for (var i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, Tags[i].Key, StringComparison.Ordinal) || !Equals(tags[i].Value, Tags[i].Value)) return false;
            }
            return true;
        }
    }
}
