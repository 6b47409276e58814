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

    private static readonly DurationHistogram CommandDuration = new(
        Meter,
        "retroim.redis.command.duration",
        "Round-trip time of Redis commands: from writing the command to reading its reply (pipelined commands included)");

    /// <summary>A timestamp to pass to <see cref="CommandCompleted"/>, or 0 when nobody listens (then nothing is measured).</summary>
    internal static long CommandStarted() => CommandDuration.Start();

    internal static void CommandCompleted(long startedAt) => CommandDuration.Stop(startedAt);
}
