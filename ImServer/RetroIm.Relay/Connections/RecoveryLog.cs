using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Connections;

/// <summary>Log lines of <see cref="StreamRecovery"/>.</summary>
internal static partial class RecoveryLog
{
    [LoggerMessage(400, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} recovered {Recovered} stream(s), {Failed} failed")]
    public static partial void Recovered(ILogger logger, string connectionId, string clientId, int recovered, int failed);

    [LoggerMessage(401, LogLevel.Information, "Recovery of {Stream} for connection {ConnectionId} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string stream, string connectionId, string reason);

    [LoggerMessage(402, LogLevel.Warning, "Reading {Stream} for connection {ConnectionId} failed")]
    public static partial void ReadFailed(ILogger logger, string stream, string connectionId, Exception error);

    [LoggerMessage(403, LogLevel.Error, "Recovery of connection {ConnectionId} crashed")]
    public static partial void Crashed(ILogger logger, string connectionId, Exception error);
}
