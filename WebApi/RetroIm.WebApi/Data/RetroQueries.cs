using System.Data;
using Dapper;

namespace RetroIm.WebApi.Data;

/// <summary>The reads shared by commands and the board, always inside the caller's transaction.</summary>
internal static class RetroQueries
{
    private const string TopicColumns = """
        t.id, t.retro_id, t.title, t.description, t.status, t.votes, t.created_by, p.name AS creator_name,
        t.created_at, t.started_at, t.done_at, t.ordinal
        FROM topics t JOIN participants p ON p.id = t.created_by
        """;

    static RetroQueries() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public static Task<RetroRow?> FindRetroAsync(IDbConnection connection, IDbTransaction transaction, string retroId) =>
        connection.QuerySingleOrDefaultAsync<RetroRow>(
            "SELECT id, title, created_at, version FROM retros WHERE id = @retroId;", new { retroId }, transaction);

    /// <summary>The participant of <paramref name="retroId"/> whose token hashes to <paramref name="tokenHash"/>.</summary>
    public static Task<ParticipantRow?> FindParticipantByTokenAsync(IDbConnection connection, IDbTransaction transaction, string retroId, byte[] tokenHash) =>
        connection.QuerySingleOrDefaultAsync<ParticipantRow>(
            "SELECT id, retro_id, name, joined_at FROM participants WHERE token_hash = @tokenHash AND retro_id = @retroId;",
            new { retroId, tokenHash }, transaction);

    public static Task<ParticipantRow?> FindParticipantAsync(IDbConnection connection, string participantId) =>
        connection.QuerySingleOrDefaultAsync<ParticipantRow>(
            "SELECT id, retro_id, name, joined_at FROM participants WHERE id = @participantId;", new { participantId });

    public static async Task<IReadOnlyList<ParticipantRow>> ListParticipantsAsync(IDbConnection connection, IDbTransaction transaction, string retroId) =>
        (await connection.QueryAsync<ParticipantRow>(
            "SELECT id, retro_id, name, joined_at FROM participants WHERE retro_id = @retroId ORDER BY joined_at, id;",
            new { retroId }, transaction)).AsList();

    public static Task<TopicRow?> FindTopicAsync(IDbConnection connection, IDbTransaction transaction, string retroId, string topicId) =>
        connection.QuerySingleOrDefaultAsync<TopicRow>(
            $"SELECT {TopicColumns} WHERE t.retro_id = @retroId AND t.id = @topicId;", new { retroId, topicId }, transaction);

    public static Task<TopicRow?> FindCurrentTopicAsync(IDbConnection connection, IDbTransaction transaction, string retroId) =>
        connection.QuerySingleOrDefaultAsync<TopicRow>(
            $"SELECT {TopicColumns} WHERE t.retro_id = @retroId AND t.status = 'current';", new { retroId }, transaction);

    /// <summary>The upcoming topic that goes next: most votes, then the oldest.</summary>
    public static Task<TopicRow?> FindNextTopicAsync(IDbConnection connection, IDbTransaction transaction, string retroId) =>
        connection.QueryFirstOrDefaultAsync<TopicRow>(
            $"SELECT {TopicColumns} WHERE t.retro_id = @retroId AND t.status = 'upcoming' ORDER BY t.votes DESC, t.ordinal ASC LIMIT 1;",
            new { retroId }, transaction);

    public static async Task<IReadOnlyList<TopicRow>> ListTopicsAsync(IDbConnection connection, IDbTransaction transaction, string retroId) =>
        (await connection.QueryAsync<TopicRow>(
            $"SELECT {TopicColumns} WHERE t.retro_id = @retroId ORDER BY t.ordinal;", new { retroId }, transaction)).AsList();

    public static async Task<IReadOnlyList<string>> ListVotedTopicIdsAsync(IDbConnection connection, IDbTransaction transaction, string participantId) =>
        (await connection.QueryAsync<string>(
            "SELECT v.topic_id FROM votes v JOIN topics t ON t.id = v.topic_id WHERE v.participant_id = @participantId ORDER BY t.ordinal;",
            new { participantId }, transaction)).AsList();

    public static Task SaveTopicStateAsync(IDbConnection connection, IDbTransaction transaction, TopicRow topic) =>
        connection.ExecuteAsync(
            "UPDATE topics SET title = @Title, description = @Description, status = @Status, votes = @Votes, started_at = @StartedAt, done_at = @DoneAt WHERE id = @Id;",
            topic, transaction);
}
