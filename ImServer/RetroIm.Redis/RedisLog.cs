using Microsoft.Extensions.Logging;

namespace RetroIm.Redis;

/// <summary>Every log line of the Redis client. Endpoints only: never passwords or payloads.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(1, LogLevel.Debug, "Connected to Redis at {Endpoint}")]
    public static partial void Connected(ILogger logger, string endpoint);

    [LoggerMessage(2, LogLevel.Warning, "Connecting to Redis at {Endpoint} failed; next attempt in {BackoffMs} ms at the earliest")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, long backoffMs, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Connection to Redis at {Endpoint} lost; {Pending} pending commands failed")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, int pending, Exception? exception);

    [LoggerMessage(4, LogLevel.Error, "Handler for Redis channel {Channel} threw")]
    public static partial void HandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Redis subscriber connected to {Endpoint} with {Channels} channels subscribed")]
    public static partial void SubscriberReady(ILogger logger, string endpoint, int channels);

    [LoggerMessage(6, LogLevel.Warning, "Redis subscriber lost its connection to {Endpoint}; reconnecting in {DelayMs} ms")]
    public static partial void SubscriberLost(ILogger logger, string endpoint, long delayMs, Exception? exception);

    [LoggerMessage(7, LogLevel.Warning, "Redis subscriber could not connect to {Endpoint}; retrying in {DelayMs} ms")]
    public static partial void SubscriberConnectFailed(ILogger logger, string endpoint, long delayMs, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "A RedisSubscriber.ConnectionChanged handler threw")]
    public static partial void ConnectionChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(12, LogLevel.Error, "A RedisSubscriber.BurstDelivered handler threw")]
    public static partial void BurstHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Redis subscriber received an unexpected reply {Reply}")]
    public static partial void UnexpectedReply(ILogger logger, string reply);

    [LoggerMessage(10, LogLevel.Debug, "Redis subscriber could not send {Command}; it is resent after reconnecting")]
    public static partial void SubscriberSendFailed(ILogger logger, string command, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Redis subscriber heard nothing from {Endpoint} for {SilentMs} ms, not even PONG; reconnecting")]
    public static partial void SubscriberSilent(ILogger logger, string endpoint, long silentMs);
}
