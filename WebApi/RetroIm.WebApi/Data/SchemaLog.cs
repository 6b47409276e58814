namespace RetroIm.WebApi.Data;

internal static partial class SchemaLog
{
    [LoggerMessage(1, LogLevel.Information, "Applied database migration {MigrationId}")]
    public static partial void MigrationApplied(ILogger logger, string migrationId);
}
