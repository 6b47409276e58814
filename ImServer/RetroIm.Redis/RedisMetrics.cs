using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RetroIm.Redis;

/// <summary>
/// The client's instruments on the <c>RetroIm.Redis</c> meter: <c>retroim.redis.command.duration</c>, the time from
/// writing a command to reading its reply, in seconds. The meter is process-wide (the client has no host to get a
/// meter factory from); nothing is measured while no listener enables the instrument.
/// </summary>
public static class RedisMetrics
{
    /// <summary>The meter's name, for exporters (dotnet-counters, /metrics, OpenTelemetry).</summary>
    public const string MeterName = "RetroIm.Redis";

    private static readonly Meter Meter = new(MeterName);

    // Redis on a LAN answers in tens of microseconds; a pipelined burst or a slow Lua script in milliseconds.
    private static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>(
        "retroim.redis.command.duration",
        "s",
        "Round-trip time of Redis commands: from writing the command to reading its reply (pipelined commands included)",
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });

    /// <summary>A timestamp to pass to <see cref="CommandCompleted"/>, or 0 when nobody listens (then nothing is measured).</summary>
    internal static long CommandStarted() => CommandDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void CommandCompleted(long startedAt)
    {
        if (startedAt != 0) CommandDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
    }
}
