namespace RetroIm.WebApi.Activity;

internal static partial class ActivityLog
{
    [LoggerMessage(1, LogLevel.Information, "Deleted {Count} activity entries older than {RetentionDays} days")]
    public static partial void ExpiredDeleted(ILogger logger, int count, int retentionDays);

    [LoggerMessage(2, LogLevel.Warning, "Activity cleanup failed")]
    public static partial void CleanupFailed(ILogger logger, Exception exception);
}
