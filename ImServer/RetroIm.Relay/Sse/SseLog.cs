using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Sse;

internal static partial class SseLog
{
    [LoggerMessage(1100, LogLevel.Debug, "SSE stream {StreamId} opened")]
    public static partial void Opened(ILogger logger, string streamId);

    [LoggerMessage(1101, LogLevel.Debug, "SSE stream {StreamId} closed")]
    public static partial void Closed(ILogger logger, string streamId);

    [LoggerMessage(1102, LogLevel.Information, "SSE stream {StreamId}: a POST with a wrong post token was refused")]
    public static partial void BadPostToken(ILogger logger, string streamId);

    [LoggerMessage(1103, LogLevel.Warning, "SSE: looking up the node that holds a stream failed")]
    public static partial void LookupFailed(ILogger logger, Exception exception);
}
