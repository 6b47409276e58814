using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(900, LogLevel.Debug, "Connection {ConnectionId}: the request head did not complete in time; answered 408")]
    public static partial void HeadTimeout(ILogger logger, string connectionId);

    [LoggerMessage(901, LogLevel.Debug, "Connection {ConnectionId}: the WebSocket upgrade failed: {Error}")]
    public static partial void UpgradeFailed(ILogger logger, string connectionId, string error);
}
