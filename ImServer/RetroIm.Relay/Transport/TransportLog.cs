using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(900, LogLevel.Debug, "Connection from {Remote}: the request head did not complete in time; answered 408")]
    public static partial void HeadTimeout(ILogger logger, string remote);

    [LoggerMessage(901, LogLevel.Debug, "Connection from {Remote} ended with an error: {Error}")]
    public static partial void ServeFailed(ILogger logger, string remote, string error);

    [LoggerMessage(902, LogLevel.Warning, "Accepting a connection failed ({Error}); trying again shortly")]
    public static partial void AcceptFailed(ILogger logger, string error);

    [LoggerMessage(903, LogLevel.Error, "Connection from {Remote} failed unexpectedly")]
    public static partial void ConnectionCrashed(ILogger logger, string remote, Exception exception);
}
