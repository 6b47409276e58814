using RetroIm.Im;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Retros;

namespace RetroIm.WebApi.Typing;

/// <summary>
/// Turns <c>typing</c> client events into <c>participant.typing</c> pushes on the sender's retro channel, so the other
/// pages show "Ann is typing…". The sender is the connection's client id — the participant id its connect URL was
/// issued for — never something the page claims. Nothing is stored: no version, no activity.
/// </summary>
internal sealed class TypingService(ImClient im, RetroDb db, RetroPublisher publisher, ILogger<TypingService> logger) : IHostedService
{
    private IDisposable? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = im.OnClientEvent(TypingEvents.ClientEvent, HandleAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration?.Dispose();
        return Task.CompletedTask;
    }

    internal async Task HandleAsync(ClientEvent typing, CancellationToken ct)
    {
        // Delivery is at least once and may come late (a restart); a stale indicator is worse than none.
        if (DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(typing.Ts) > TypingEvents.MaxAge) return;
        try
        {
            ParticipantRow? participant;
            await using (var connection = await db.OpenAsync(ct))
            {
                participant = await RetroQueries.FindParticipantAsync(connection, typing.ClientId);
            }
            if (participant is null) return; // Another application's client on a shared relay.

            var person = new PersonView(participant.Id, participant.Name);
            var view = new ParticipantView(participant.Id, participant.Name, Online: true, UnixTime.ToDate(participant.JoinedAt));
            await publisher.PublishAsync([new RetroEvent(TypingEvents.Push, participant.RetroId, Version: null, person, Topic: null, view, Activity: null)]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Acknowledged anyway: a typing indicator is not worth a redelivery 30 s later.
            TypingLog.PushFailed(logger, ex, typing.ClientId);
        }
    }
}
