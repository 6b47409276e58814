namespace RetroIm.WebApi.Presence;

internal static partial class PresenceLog
{
    [LoggerMessage(1, LogLevel.Warning, "The presence event stream failed; resubscribing")]
    public static partial void StreamFailed(ILogger logger, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Presence event for client {ClientId} could not be pushed")]
    public static partial void EventFailed(ILogger logger, Exception exception, string clientId);
}
