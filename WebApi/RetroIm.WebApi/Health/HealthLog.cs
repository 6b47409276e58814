namespace RetroIm.WebApi.Health;

internal static partial class HealthLog
{
    [LoggerMessage(1, LogLevel.Warning, "Health check of {Component} failed")]
    public static partial void CheckFailed(ILogger logger, Exception exception, string component);
}
