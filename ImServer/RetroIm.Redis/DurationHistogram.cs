using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RetroIm.Redis;

/// <summary>
/// A histogram of durations in seconds, with buckets from 100 µs to 5 s (Redis on a LAN answers in tens of
/// microseconds; a pipelined burst, a slow Lua script or a queue in front of them take milliseconds). Timing costs
/// nothing while no listener enables it: <see cref="Start"/> returns 0 and <see cref="Stop"/> ignores it.
/// Shared by the Redis client's and ImHelper's instruments.
/// </summary>
internal sealed class DurationHistogram(Meter meter, string name, string description)
{
    private readonly Histogram<double> _histogram = meter.CreateHistogram<double>(
        name,
        "s",
        description,
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });

    /// <summary>A timestamp to pass to <see cref="Stop"/>, or 0 when nobody listens (then nothing is measured).</summary>
    public long Start() => _histogram.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records the time since <paramref name="startedAt"/> (from <see cref="Start"/>), unless it is 0.</summary>
    public void Stop(long startedAt)
    {
        if (startedAt != 0) _histogram.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
    }
}
