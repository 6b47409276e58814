namespace RetroIm.WebApi.Retros;

internal static partial class RetroLog
{
    [LoggerMessage(1, LogLevel.Warning, "No connect URL could be issued for participant {ParticipantId} of retro {RetroId}")]
    public static partial void ConnectUrlFailed(ILogger logger, Exception exception, string retroId, string participantId);

    [LoggerMessage(2, LogLevel.Warning, "Presence of retro {RetroId} could not be read; participants are shown offline")]
    public static partial void PresenceReadFailed(ILogger logger, Exception exception, string retroId);
}
