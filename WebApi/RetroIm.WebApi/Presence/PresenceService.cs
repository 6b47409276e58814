using RetroIm.Im;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Retros;

namespace RetroIm.WebApi.Presence;

/// <summary>
/// Turns the relay's online/offline events into <c>participant.online</c>/<c>participant.offline</c> pushes on the
/// participant's retro channel. Presence is not a stored change: it bumps no version, writes no activity, and the
/// events carry <c>"version": null</c> so clients apply them without a gap check (they are idempotent: set a flag).
/// </summary>
internal sealed class PresenceService(ImClient im, RetroDb db, RetroPublisher publisher, ILogger<PresenceService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var presence in im.ReadEventsAsync(stoppingToken))
                {
                    await HandleAsync(presence, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The event stream broke (backplane trouble): resubscribe. Boards still read presence directly.
                PresenceLog.StreamFailed(logger, ex);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task HandleAsync(PresenceEvent presence, CancellationToken ct)
    {
        try
        {
            ParticipantRow? participant;
            await using (var connection = await db.OpenAsync(ct))
            {
                participant = await RetroQueries.FindParticipantAsync(connection, presence.ClientId);
            }
            if (participant is null) return; // Another application's client on a shared relay.

            var type = presence.IsOnline ? RetroEventTypes.ParticipantOnline : RetroEventTypes.ParticipantOffline;
            var person = new PersonView(participant.Id, participant.Name);
            var view = new ParticipantView(participant.Id, participant.Name, presence.IsOnline, UnixTime.ToDate(participant.JoinedAt));
            await publisher.PublishAsync([new RetroEvent(type, participant.RetroId, Version: null, person, Topic: null, view, Activity: null)]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            PresenceLog.EventFailed(logger, ex, presence.ClientId);
        }
    }
}
