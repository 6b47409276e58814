using Microsoft.Extensions.Logging;

namespace RetroIm.Im.Backplane;

internal static partial class InMemoryBackplaneLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "A backplane handler for topic {Topic} threw; delivery continues")]
    public static partial void HandlerFailed(ILogger logger, string topic, Exception exception);
}
