using Dapper;
using Microsoft.Extensions.Options;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Topics;

/// <summary>
/// Topic rules. Status moves upcoming → current → done → (reopen) upcoming. At most one topic is current: starting one
/// sends the current one back to upcoming (its own <c>topic.updated</c> event first), and marking the current one done
/// makes the upcoming topic with the most votes, then the oldest, current (a <c>topic.started</c> event after
/// <c>topic.done</c>). Repeating a transition that already holds (start the current topic, done a done one, reopen an
/// upcoming one) changes nothing and pushes nothing.
/// </summary>
internal sealed class TopicCommands(RetroWriter writer, IOptions<RetroOptions> options)
{
    private int VotesPerParticipant => options.Value.VotesPerParticipant;

    public Task<Outcome<TopicView>> CreateAsync(string retroId, ParticipantAuth auth, CreateTopicRequest request, CancellationToken ct) =>
        writer.WriteAsync<TopicView>(retroId, auth, async w =>
        {
            var ordinal = await w.Connection.ExecuteScalarAsync<long>(
                "SELECT COALESCE(MAX(ordinal), 0) + 1 FROM topics WHERE retro_id = @Id;", w.Retro, w.Transaction);
            var topic = new TopicRow
            {
                Id = Ids.New(), RetroId = retroId, Title = request.Title!.Trim(), Description = request.Description?.Trim() ?? "",
                Status = TopicStatus.Upcoming, CreatedBy = w.Actor.Id, CreatorName = w.Actor.Name, CreatedAt = w.Now, Ordinal = ordinal,
            };
            await w.Connection.ExecuteAsync("""
                INSERT INTO topics (id, retro_id, title, description, status, votes, created_by, created_at, ordinal)
                VALUES (@Id, @RetroId, @Title, @Description, @Status, 0, @CreatedBy, @CreatedAt, @Ordinal);
                """, topic, w.Transaction);
            await w.RecordAsync(RetroEventTypes.TopicCreated, $"{w.Actor.Name} added “{topic.Title}”", w.Actor, topic);
            return TopicView.From(topic);
        }, ct);

    public Task<Outcome<TopicView>> UpdateAsync(string retroId, string topicId, ParticipantAuth auth, UpdateTopicRequest request, CancellationToken ct) =>
        WithTopicAsync<TopicView>(retroId, topicId, auth, async (w, topic) =>
        {
            var title = request.Title?.Trim() ?? topic.Title;
            var description = request.Description?.Trim() ?? topic.Description;
            if (title == topic.Title && description == topic.Description) return TopicView.From(topic);

            var renamed = title != topic.Title ? $" (was “{topic.Title}”)" : "";
            topic.Title = title;
            topic.Description = description;
            await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
            await w.RecordAsync(RetroEventTypes.TopicUpdated, $"{w.Actor.Name} edited “{topic.Title}”{renamed}", w.Actor, topic);
            return TopicView.From(topic);
        }, ct);

    public Task<Outcome<TopicView>> StartAsync(string retroId, string topicId, ParticipantAuth auth, CancellationToken ct) =>
        WithTopicAsync<TopicView>(retroId, topicId, auth, async (w, topic) =>
        {
            if (topic.Status == TopicStatus.Done) return RetroError.TopicIsDone;
            if (topic.Status == TopicStatus.Current) return TopicView.From(topic);

            if (await RetroQueries.FindCurrentTopicAsync(w.Connection, w.Transaction, retroId) is { } previous)
            {
                previous.Status = TopicStatus.Upcoming;
                previous.StartedAt = null;
                await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, previous);
                await w.RecordAsync(RetroEventTypes.TopicUpdated, $"“{previous.Title}” went back to upcoming", w.Actor, previous);
            }
            await MakeCurrentAsync(w, topic, $"{w.Actor.Name} started “{topic.Title}”");
            return TopicView.From(topic);
        }, ct);

    public Task<Outcome<TopicView>> DoneAsync(string retroId, string topicId, ParticipantAuth auth, CancellationToken ct) =>
        WithTopicAsync<TopicView>(retroId, topicId, auth, async (w, topic) =>
        {
            if (topic.Status == TopicStatus.Done) return TopicView.From(topic);

            var wasCurrent = topic.Status == TopicStatus.Current;
            topic.Status = TopicStatus.Done;
            topic.DoneAt = w.Now;
            await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
            await w.RecordAsync(RetroEventTypes.TopicDone, $"{w.Actor.Name} marked “{topic.Title}” done", w.Actor, topic);

            if (wasCurrent && await RetroQueries.FindNextTopicAsync(w.Connection, w.Transaction, retroId) is { } next)
            {
                await MakeCurrentAsync(w, next, $"“{next.Title}” is now current");
            }
            return TopicView.From(topic);
        }, ct);

    public Task<Outcome<TopicView>> ReopenAsync(string retroId, string topicId, ParticipantAuth auth, CancellationToken ct) =>
        WithTopicAsync<TopicView>(retroId, topicId, auth, async (w, topic) =>
        {
            if (topic.Status == TopicStatus.Current) return RetroError.TopicIsCurrent;
            if (topic.Status == TopicStatus.Upcoming) return TopicView.From(topic);

            topic.Status = TopicStatus.Upcoming;
            topic.StartedAt = null;
            topic.DoneAt = null;
            await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
            await w.RecordAsync(RetroEventTypes.TopicReopened, $"{w.Actor.Name} reopened “{topic.Title}”", w.Actor, topic);
            return TopicView.From(topic);
        }, ct);

    /// <summary>One vote per participant per topic, at most <see cref="RetroOptions.VotesPerParticipant"/> in a retro.</summary>
    public Task<Outcome<VoteResponse>> VoteAsync(string retroId, string topicId, ParticipantAuth auth, CancellationToken ct) =>
        WithTopicAsync<VoteResponse>(retroId, topicId, auth, async (w, topic) =>
        {
            var used = await CountVotesAsync(w);
            var added = await w.Connection.ExecuteAsync(
                "INSERT INTO votes (participant_id, topic_id) VALUES (@participantId, @topicId) ON CONFLICT DO NOTHING;",
                new { participantId = w.Actor.Id, topicId = topic.Id }, w.Transaction);
            if (added == 0) return RetroError.AlreadyVoted;
            // The insert is rolled back with the refusal: nothing half-written.
            if (used >= VotesPerParticipant) return RetroError.VoteLimitReached;

            topic.Votes++;
            await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
            await w.RecordAsync(RetroEventTypes.VoteChanged, $"{w.Actor.Name} voted for “{topic.Title}”", w.Actor, topic);
            return new VoteResponse(TopicView.From(topic), VotesPerParticipant - used - 1);
        }, ct);

    public Task<Outcome<VoteResponse>> UnvoteAsync(string retroId, string topicId, ParticipantAuth auth, CancellationToken ct) =>
        WithTopicAsync<VoteResponse>(retroId, topicId, auth, async (w, topic) =>
        {
            var removed = await w.Connection.ExecuteAsync(
                "DELETE FROM votes WHERE participant_id = @participantId AND topic_id = @topicId;",
                new { participantId = w.Actor.Id, topicId = topic.Id }, w.Transaction);
            if (removed == 0) return RetroError.NotVoted;

            topic.Votes--;
            await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
            await w.RecordAsync(RetroEventTypes.VoteChanged, $"{w.Actor.Name} took back a vote for “{topic.Title}”", w.Actor, topic);
            return new VoteResponse(TopicView.From(topic), VotesPerParticipant - await CountVotesAsync(w));
        }, ct);

    private Task<Outcome<T>> WithTopicAsync<T>(string retroId, string topicId, ParticipantAuth auth, Func<WriteContext, TopicRow, Task<Outcome<T>>> command, CancellationToken ct) =>
        writer.WriteAsync<T>(retroId, auth, async w =>
            await RetroQueries.FindTopicAsync(w.Connection, w.Transaction, retroId, topicId) is { } topic
                ? await command(w, topic)
                : RetroError.TopicNotFound, ct);

    private static async Task MakeCurrentAsync(WriteContext w, TopicRow topic, string text)
    {
        topic.Status = TopicStatus.Current;
        topic.StartedAt = w.Now;
        topic.DoneAt = null;
        await RetroQueries.SaveTopicStateAsync(w.Connection, w.Transaction, topic);
        await w.RecordAsync(RetroEventTypes.TopicStarted, text, w.Actor, topic);
    }

    private static Task<int> CountVotesAsync(WriteContext w) =>
        w.Connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM votes WHERE participant_id = @Id;", w.Actor, w.Transaction);
}
