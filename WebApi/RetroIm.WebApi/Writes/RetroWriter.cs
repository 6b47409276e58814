using RetroIm.WebApi.Data;
using RetroIm.WebApi.Push;

namespace RetroIm.WebApi.Writes;

/// <summary>
/// Runs a command against one retro: per-retro lock, BEGIN IMMEDIATE, find the retro (404), authenticate the bearer
/// (401), run the command, store the version, commit, and only then push the events. A refused or failing command
/// rolls everything back.
/// </summary>
internal sealed class RetroWriter(RetroDb db, RetroPublisher publisher, TimeProvider time)
{
    private readonly StripedLock _locks = new(64);

    public async Task<Outcome<T>> WriteAsync<T>(
        string retroId,
        ParticipantAuth auth,
        Func<WriteContext, Task<Outcome<T>>> command,
        CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(retroId, cancellationToken);
        Outcome<T> outcome;
        IReadOnlyList<RetroEvent> events;
        await using (var connection = await db.OpenAsync(cancellationToken))
        await using (var transaction = RetroDb.BeginWrite(connection))
        {
            var retro = await RetroQueries.FindRetroAsync(connection, transaction, retroId);
            if (retro is null) return RetroError.RetroNotFound;

            ParticipantRow? actor = null;
            if (auth.IsRequired)
            {
                actor = auth.TokenHash is { } hash ? await RetroQueries.FindParticipantByTokenAsync(connection, transaction, retroId, hash) : null;
                if (actor is null) return RetroError.Unauthorized;
            }

            var context = new WriteContext(connection, transaction, retro, actor, time.GetUtcNow().ToUnixTimeMilliseconds());
            outcome = await command(context);
            if (outcome.Error is not null) return outcome;

            await context.SaveVersionAsync();
            // From here on the change stands: nothing below may undo it, and the caller's token no longer applies.
            await transaction.CommitAsync(CancellationToken.None);
            events = context.Events;
        }
        if (events.Count > 0) await publisher.PublishAsync(events);
        return outcome;
    }
}
