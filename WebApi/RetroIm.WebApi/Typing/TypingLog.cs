namespace RetroIm.WebApi.Typing;

internal static partial class TypingLog
{
    [LoggerMessage(1, LogLevel.Warning, "The typing event of client {ClientId} could not be pushed")]
    public static partial void PushFailed(ILogger logger, Exception exception, string clientId);
}
