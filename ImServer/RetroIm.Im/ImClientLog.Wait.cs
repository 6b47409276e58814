using Microsoft.Extensions.Logging;

namespace RetroIm.Im;

internal static partial class ImClientLog
{
    [LoggerMessage(40, LogLevel.Warning, "Redis is unreachable, retrying within ImHelper:RedisWaitTimeout: {Error}")]
    public static partial void WaitingForRedis(ILogger logger, string error);
}
