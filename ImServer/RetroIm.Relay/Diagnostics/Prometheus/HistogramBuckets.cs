using System.Diagnostics.Metrics;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>Bucket upper bounds for a histogram: the instrument's advice when it gives some, else a default by unit.</summary>
internal static class HistogramBuckets
{
    // OpenTelemetry's defaults: durations in milliseconds or sizes.
    private static readonly double[] Default = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    // ASP.NET Core's defaults for durations in seconds.
    private static readonly double[] Seconds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    public static double[] For(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        if (advised is { Length: > 0 } && IsStrictlyIncreasing(advised)) return advised;
        return instrument.Unit == "s" ? Seconds : Default;
    }

    private static bool IsStrictlyIncreasing(double[] bounds)
    {
        for (var i = 0; i < bounds.Length; i++)
        {
            if (double.IsNaN(bounds[i]) || double.IsInfinity(bounds[i])) return false;
            if (i > 0 && bounds[i] <= bounds[i - 1]) return false;
        }
        return true;
    }
}
