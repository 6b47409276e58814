using Dapper;
using RetroIm.Im;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Typing;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Retros;

/// <summary>Creating a retro, joining it, and getting a connect URL for the relay.</summary>
internal sealed class RetroCommands(RetroDb db, RetroWriter writer, RetroBoardReader boards, ImClient im, TimeProvider time, ILogger<RetroCommands> logger)
{
    public async Task<RetroBoard> CreateAsync(CreateRetroRequest request, CancellationToken ct)
    {
        var retro = new RetroRow { Id = Ids.New(), Title = request.Title!.Trim(), CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(), Version = 1 };
        await using (var connection = await db.OpenAsync(ct))
        await using (var transaction = RetroDb.BeginWrite(connection))
        {
            await connection.ExecuteAsync("INSERT INTO retros (id, title, created_at, version) VALUES (@Id, @Title, @CreatedAt, @Version);", retro, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO activity (retro_id, at, actor_id, type, text, topic_id) VALUES (@Id, @CreatedAt, NULL, @type, @text, NULL);",
                new { retro.Id, retro.CreatedAt, type = RetroEventTypes.RetroCreated, text = $"Retro “{retro.Title}” created" },
                transaction);
            await transaction.CommitAsync(CancellationToken.None);
        }
        return (await boards.ReadAsync(retro.Id, ParticipantAuth.None, ct))!;
    }

    /// <summary>
    /// Adds a participant, then (after commit) puts it in the retro's channel and asks for its first connect URL.
    /// Both are repeated by <see cref="ConnectAsync"/>, so a relay hiccup here costs only a null connectUrl.
    /// </summary>
    public async Task<Outcome<JoinRetroResponse>> JoinAsync(string retroId, JoinRetroRequest request, CancellationToken ct)
    {
        var token = ParticipantAuth.NewToken();
        var joined = await writer.WriteAsync<ParticipantRow>(retroId, ParticipantAuth.None, async w =>
        {
            var participant = new ParticipantRow { Id = Ids.New(), RetroId = retroId, Name = request.Name!.Trim(), JoinedAt = w.Now };
            await w.Connection.ExecuteAsync(
                "INSERT INTO participants (id, retro_id, name, token_hash, joined_at) VALUES (@Id, @RetroId, @Name, @hash, @JoinedAt);",
                new { participant.Id, participant.RetroId, participant.Name, hash = ParticipantAuth.Hash(token), participant.JoinedAt },
                w.Transaction);
            await w.RecordAsync(RetroEventTypes.ParticipantJoined, $"{participant.Name} joined", participant,
                participant: new ParticipantView(participant.Id, participant.Name, Online: false, UnixTime.ToDate(participant.JoinedAt)));
            return participant;
        }, ct);
        if (joined.Value is not { } p) return joined.Error!.Value;

        string? connectUrl = null;
        try
        {
            connectUrl = await IssueConnectUrlAsync(retroId, p.Id, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RetroLog.ConnectUrlFailed(logger, ex, retroId, p.Id);
        }
        return new JoinRetroResponse(p.Id, token, connectUrl);
    }

    public async Task<Outcome<ConnectResponse>> ConnectAsync(string retroId, ParticipantAuth auth, CancellationToken ct)
    {
        ParticipantRow? participant;
        await using (var connection = await db.OpenAsync(ct))
        await using (var transaction = connection.BeginTransaction(deferred: true))
        {
            if (await RetroQueries.FindRetroAsync(connection, transaction, retroId) is null) return RetroError.RetroNotFound;
            participant = auth.TokenHash is { } hash ? await RetroQueries.FindParticipantByTokenAsync(connection, transaction, retroId, hash) : null;
            if (participant is null) return RetroError.Unauthorized;
        }
        try
        {
            return new ConnectResponse(await IssueConnectUrlAsync(retroId, participant.Id, ct));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RetroLog.ConnectUrlFailed(logger, ex, retroId, participant.Id);
            return RetroError.RelayUnavailable;
        }
    }

    private async Task<string> IssueConnectUrlAsync(string retroId, string participantId, CancellationToken ct)
    {
        // Joining again is harmless and heals membership lost with an embedded (in-memory) relay's restart.
        await im.JoinChanAsync(RetroChannels.For(retroId), participantId);
        // The retro id rides along as the connection's metadata, so presence events name the retro. The page may send
        // exactly one kind of client event: typing (see TypingService).
        return await im.PrevConnectServerAsync(participantId, retroId, [TypingEvents.Right], ct);
    }
}
