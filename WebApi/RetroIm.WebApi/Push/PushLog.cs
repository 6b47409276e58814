namespace RetroIm.WebApi.Push;

internal static partial class PushLog
{
    [LoggerMessage(1, LogLevel.Warning, "Push of {EventType} to retro {RetroId} (version {Version}) failed; clients catch up on their next event or reconnect")]
    public static partial void PushFailed(ILogger logger, Exception exception, string eventType, string retroId, long? version);
}
