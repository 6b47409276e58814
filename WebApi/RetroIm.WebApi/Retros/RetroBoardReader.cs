using Microsoft.Extensions.Options;
using RetroIm.Im;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Topics;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Retros;

/// <summary>Reads a whole board from one snapshot (a read transaction), then adds online flags from the relay.</summary>
internal sealed class RetroBoardReader(RetroDb db, ImClient im, IOptions<RetroOptions> options, ILogger<RetroBoardReader> logger)
{
    public async Task<RetroBoard?> ReadAsync(string retroId, ParticipantAuth auth, CancellationToken ct)
    {
        RetroRow? retro;
        IReadOnlyList<TopicRow> topics;
        IReadOnlyList<ParticipantRow> participants;
        MeView? me = null;
        await using (var connection = await db.OpenAsync(ct))
        await using (var transaction = connection.BeginTransaction(deferred: true))
        {
            retro = await RetroQueries.FindRetroAsync(connection, transaction, retroId);
            if (retro is null) return null;
            topics = await RetroQueries.ListTopicsAsync(connection, transaction, retroId);
            participants = await RetroQueries.ListParticipantsAsync(connection, transaction, retroId);
            if (auth.TokenHash is { } hash && await RetroQueries.FindParticipantByTokenAsync(connection, transaction, retroId, hash) is { } caller)
            {
                var voted = await RetroQueries.ListVotedTopicIdsAsync(connection, transaction, caller.Id);
                me = new MeView(caller.Id, caller.Name, options.Value.VotesPerParticipant - voted.Count, voted);
            }
        }

        var online = await ReadOnlineAsync(retroId, participants, ct);
        var previous = topics.Where(t => t.Status == TopicStatus.Done).OrderBy(t => t.DoneAt).ThenBy(t => t.Ordinal);
        var current = topics.Where(t => t.Status == TopicStatus.Current);
        var next = topics.Where(t => t.Status == TopicStatus.Upcoming).OrderByDescending(t => t.Votes).ThenBy(t => t.Ordinal);
        return new RetroBoard(
            retro.Id,
            retro.Title,
            UnixTime.ToDate(retro.CreatedAt),
            retro.Version,
            options.Value.VotesPerParticipant,
            previous.Select(TopicView.From).ToList(),
            current.Select(TopicView.From).ToList(),
            next.Select(TopicView.From).ToList(),
            participants.Select((p, i) => new ParticipantView(p.Id, p.Name, online[i], UnixTime.ToDate(p.JoinedAt))).ToList(),
            me);
    }

    private async Task<bool[]> ReadOnlineAsync(string retroId, IReadOnlyList<ParticipantRow> participants, CancellationToken ct)
    {
        try
        {
            // One lookup per participant, all in flight at once (pipelined on Redis).
            return await Task.WhenAll(participants.Select(p => im.HasOnlineAsync(p.Id, ct)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RetroLog.PresenceReadFailed(logger, ex, retroId);
            return new bool[participants.Count];
        }
    }
}
