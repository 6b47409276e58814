using Dapper;
using Microsoft.Data.Sqlite;
using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Retros;
using RetroIm.WebApi.Topics;

namespace RetroIm.WebApi.Writes;

/// <summary>
/// One write transaction on one retro. <see cref="RecordAsync"/> is how a command says "this changed": it bumps the
/// version, writes the activity row and queues the event, all inside the transaction, so a change without its
/// activity (or the reverse) can never be committed.
/// </summary>
internal sealed class WriteContext(SqliteConnection connection, SqliteTransaction transaction, RetroRow retro, ParticipantRow? actor, long now)
{
    private readonly long _initialVersion = retro.Version;
    private readonly List<RetroEvent> _events = [];

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction Transaction { get; } = transaction;

    public RetroRow Retro { get; } = retro;

    /// <summary>The authenticated caller; only commands that require a bearer may read it.</summary>
    public ParticipantRow Actor => actor ?? throw new InvalidOperationException("This command runs without a participant.");

    /// <summary>Unix milliseconds of this write; every row it touches gets the same time.</summary>
    public long Now { get; } = now;

    public IReadOnlyList<RetroEvent> Events => _events;

    public async Task RecordAsync(string type, string text, ParticipantRow? by, TopicRow? topic = null, ParticipantView? participant = null)
    {
        Retro.Version++;
        var id = await Connection.ExecuteScalarAsync<long>(
            "INSERT INTO activity (retro_id, at, actor_id, type, text, topic_id) VALUES (@retroId, @at, @actorId, @type, @text, @topicId) RETURNING id;",
            new { retroId = Retro.Id, at = Now, actorId = by?.Id, type, text, topicId = topic?.Id },
            Transaction);
        var person = by is null ? null : new PersonView(by.Id, by.Name);
        var activity = ActivityView.From(new ActivityRow
        {
            Id = id, RetroId = Retro.Id, At = Now, ActorId = by?.Id, ActorName = by?.Name, Type = type, Text = text, TopicId = topic?.Id,
        });
        _events.Add(new RetroEvent(type, Retro.Id, Retro.Version, person, topic is null ? null : TopicView.From(topic), participant, activity));
    }

    /// <summary>Stores the bumped version; called once, right before commit.</summary>
    public async Task SaveVersionAsync()
    {
        if (Retro.Version == _initialVersion) return;
        await Connection.ExecuteAsync("UPDATE retros SET version = @Version WHERE id = @Id;", Retro, Transaction);
    }
}
