using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Hosting;

/// <summary>Log lines of <see cref="RelayDrain"/>.</summary>
internal static partial class RelayDrainLog
{
    [LoggerMessage(60, LogLevel.Information, "Draining: asking {Count} connection(s) to reconnect elsewhere within {WindowMs} ms")]
    public static partial void Draining(ILogger logger, int count, long windowMs);

    [LoggerMessage(61, LogLevel.Information, "Drain pass finished after {ElapsedMs} ms")]
    public static partial void Drained(ILogger logger, long elapsedMs);

    [LoggerMessage(62, LogLevel.Warning, "Could not announce the drain to the backplane (the next heartbeat will): {Error}")]
    public static partial void AnnounceFailed(ILogger logger, string error);

    [LoggerMessage(63, LogLevel.Error, "Draining failed")]
    public static partial void DrainFailed(ILogger logger, Exception error);

    [LoggerMessage(64, LogLevel.Information, "Drain requested through the backplane")]
    public static partial void DrainRequested(ILogger logger);
}
