namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>The Prometheus metric types an instrument maps to.</summary>
internal enum MetricType
{
    /// <summary>Counter and ObservableCounter: a monotonic total, exported with <c>_total</c>.</summary>
    Counter,

    /// <summary>UpDownCounter (a running sum), Gauge, ObservableGauge and ObservableUpDownCounter (a last value).</summary>
    Gauge,

    /// <summary>Histogram: cumulative buckets, <c>_sum</c> and <c>_count</c>.</summary>
    Histogram,
}
