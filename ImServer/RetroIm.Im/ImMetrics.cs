using System.Diagnostics.Metrics;
using RetroIm.Redis;

namespace RetroIm.Im;

/// <summary>
/// ImHelper's instruments on the process-wide <c>RetroIm.Im</c> meter, about the queue in front of Redis that direct
/// messages (<see cref="ImClient.SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/> and the
/// ephemeral ones) wait in while a batch of them is in flight: under load they go together, one script call or pipeline
/// a batch, so a Redis short of CPU shows here first.
/// <list type="bullet">
/// <item><c>retroim.im.direct.queued</c>: the messages waiting now (a gauge).</item>
/// <item><c>retroim.im.direct.queue_wait</c>: how long each message waited before its batch went to Redis, in seconds
/// (0 for one that went at once). Its round trip after that is <c>retroim.redis.command.duration</c>.</item>
/// </list>
/// </summary>
public static class ImMetrics
{
    /// <summary>The meter's name, for exporters (dotnet-counters, /metrics, OpenTelemetry).</summary>
    public const string MeterName = "RetroIm.Im";

    private static readonly Meter Meter = new(MeterName);

    private static long _directQueued;

    private static readonly DurationHistogram DirectQueueWait = new(
        Meter,
        "retroim.im.direct.queue_wait",
        "Time a direct message waited in ImHelper's queue before its batch was sent to Redis (0 when it went at once)");

    private static readonly ObservableGauge<long> DirectQueued = Meter.CreateObservableGauge(
        "retroim.im.direct.queued",
        static () => Volatile.Read(ref _directQueued),
        "{message}",
        "Direct messages waiting in ImHelper's queue for a batch to Redis");

    /// <summary>Creates the instruments now (they are static fields: created on first use otherwise).</summary>
    internal static void EnsureCreated() => GC.KeepAlive(DirectQueued);

    /// <summary>A timestamp to pass to <see cref="DirectSendTaken"/>, or 0 when nobody listens (then nothing is measured).</summary>
    internal static long DirectSendStarted() => DirectQueueWait.Start();

    /// <summary>A message joined a batch going to Redis (whether it waited or not).</summary>
    internal static void DirectSendTaken(long startedAt) => DirectQueueWait.Stop(startedAt);

    /// <summary>A message entered (+1) or left (-1: taken into a batch, or dropped as cancelled) the queue.</summary>
    internal static void DirectQueuedChanged(int delta) => Interlocked.Add(ref _directQueued, delta);
}
