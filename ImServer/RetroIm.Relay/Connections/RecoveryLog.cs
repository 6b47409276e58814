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

    [LoggerMessage(408, LogLevel.Information, "Reading {Stream} for connection {ConnectionId} got no answer from Redis ({Error}); retry {Retry}")]
    public static partial void ReadRetrying(ILogger logger, string stream, string connectionId, int retry, string error);

    [LoggerMessage(403, LogLevel.Error, "Recovery of connection {ConnectionId} crashed")]
    public static partial void Crashed(ILogger logger, string connectionId, Exception error);

    [LoggerMessage(404, LogLevel.Warning, "Reading the stream positions for connection {ConnectionId} failed; its welcome has none")]
    public static partial void PositionsFailed(ILogger logger, string connectionId, Exception error);

    [LoggerMessage(405, LogLevel.Information, "The backplane resubscribed: catching up {Connections} connection(s) from the streams")]
    public static partial void CatchingUp(ILogger logger, int connections);

    [LoggerMessage(406, LogLevel.Warning, "Catching up connection {ConnectionId} failed; closing it so the client recovers")]
    public static partial void CatchUpFailed(ILogger logger, string connectionId, Exception? error);

    [LoggerMessage(407, LogLevel.Warning, "Reading the position of channel {Chan} after a join failed; the joined clients get none")]
    public static partial void JoinPositionFailed(ILogger logger, string chan, Exception error);
}
