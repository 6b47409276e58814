namespace RetroIm.WebApi.Admin;

internal static partial class AdminLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Admin request to {Path} from {Remote} refused: missing or wrong admin key")]
    public static partial void KeyRejected(ILogger logger, string path, string? remote);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Admin kicked client {ClientId} (was online: {WasOnline})")]
    public static partial void Kicked(ILogger logger, string clientId, bool wasOnline);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Admin sampling of the relay nodes failed: {Reason}")]
    public static partial void SampleFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Admin page and API enabled at /admin and /api/admin")]
    public static partial void Enabled(ILogger logger);
}
