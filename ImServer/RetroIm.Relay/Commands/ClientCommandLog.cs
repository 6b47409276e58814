using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Commands;

internal static partial class ClientCommandLog
{
    [LoggerMessage(90, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} was refused {Kind} {Target}: no right")]
    public static partial void Forbidden(ILogger logger, string connectionId, string clientId, ClientCommandKind kind, string target);

    [LoggerMessage(91, LogLevel.Warning, "Carrying out {Kind} {Target} for connection {ConnectionId} failed; answered unavailable")]
    public static partial void Failed(ILogger logger, ClientCommandKind kind, string target, string connectionId, Exception exception);

    [LoggerMessage(92, LogLevel.Debug, "Rights of client {ClientId} changed ({Kind}) on {Count} local connection(s)")]
    public static partial void RightsChanged(ILogger logger, string clientId, string kind, int count);
}
