namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>What <c>/metrics</c> exports (see <see cref="PrometheusServiceCollectionExtensions.AddPrometheusMetrics"/>).</summary>
public sealed class PrometheusMetricsOptions
{
    /// <summary>
    /// The meters of a relay node: the relay's own counters, the Redis client's round-trip times, the .NET runtime
    /// (GC, thread pool, CPU, memory) and Kestrel's connections.
    /// </summary>
    public static readonly IReadOnlyList<string> RelayMeters =
        ["RetroIm.Relay", "RetroIm.Redis", "System.Runtime", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>
    /// Names of the meters to export. A meter created through this host's <c>IMeterFactory</c> is exported by this
    /// host only (several hosts may share a process); a meter created with <c>new Meter(…)</c> is process-wide.
    /// </summary>
    public ISet<string> Meters { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The most label sets one instrument may hold; measurements with further label sets are counted in one series
    /// labelled <c>otel_metric_overflow="true"</c>, so a label fed from user input cannot exhaust memory.
    /// </summary>
    public int MaxSeriesPerMetric { get; set; } = 1000;
}
