using Microsoft.AspNetCore.Http.HttpResults;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Topics;

internal static class TopicsApi
{
    public static IEndpointRouteBuilder MapTopicsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/retros/{retroId}/topics").WithTags("Topics").RequireParticipant();

        group.MapPost("/", CreateAsync).WithSummary("Add a topic (bearer)");
        group.MapPut("/{topicId}", UpdateAsync)
            .WithSummary("Edit a topic's title and/or description (bearer)")
            .WithDescription("Only the fields sent change. Sending the values it already has changes nothing and pushes nothing.");
        group.MapPost("/{topicId}/start", (string retroId, string topicId, HttpRequest http, TopicCommands topics, CancellationToken ct) =>
                ToResult(topics.StartAsync(retroId, topicId, ParticipantAuth.Required(http), ct)))
            .WithSummary("Make a topic current (bearer)")
            .WithDescription("A topic that is current already stays so (no change). If another topic is current it goes back to upcoming: pushed as topic.updated, then topic.started. A done topic must be reopened first (409 topic_done).");
        group.MapPost("/{topicId}/done", (string retroId, string topicId, HttpRequest http, TopicCommands topics, CancellationToken ct) =>
                ToResult(topics.DoneAsync(retroId, topicId, ParticipantAuth.Required(http), ct)))
            .WithSummary("Mark a topic done (bearer)")
            .WithDescription("When the topic was current, the upcoming topic with the most votes (then the oldest) becomes current: pushed as topic.done, then topic.started. A done topic stays done (no change).");
        group.MapPost("/{topicId}/reopen", (string retroId, string topicId, HttpRequest http, TopicCommands topics, CancellationToken ct) =>
                ToResult(topics.ReopenAsync(retroId, topicId, ParticipantAuth.Required(http), ct)))
            .WithSummary("Make a done topic upcoming again (bearer)")
            .WithDescription("An upcoming topic stays so (no change); the current topic cannot be reopened (409 topic_current).");
        group.MapPost("/{topicId}/votes", (string retroId, string topicId, HttpRequest http, TopicCommands topics, CancellationToken ct) =>
                ToResult(topics.VoteAsync(retroId, topicId, ParticipantAuth.Required(http), ct)))
            .WithSummary("Vote for a topic (bearer)")
            .WithDescription("One vote per participant per topic (409 already_voted), at most Retro:VotesPerParticipant in a retro (409 vote_limit).");
        group.MapDelete("/{topicId}/votes", (string retroId, string topicId, HttpRequest http, TopicCommands topics, CancellationToken ct) =>
                ToResult(topics.UnvoteAsync(retroId, topicId, ParticipantAuth.Required(http), ct)))
            .WithSummary("Take back your vote for a topic (bearer)")
            .WithDescription("409 not_voted when the caller has no vote on it.");
        return routes;
    }

    private static async Task<Results<Created<TopicView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string retroId, CreateTopicRequest request, HttpRequest http, TopicCommands topics, CancellationToken ct)
    {
        if (request.Validate() is { } errors) return TypedResults.ValidationProblem(errors);
        var outcome = await topics.CreateAsync(retroId, ParticipantAuth.Required(http), request, ct);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Created((string?)null, outcome.Value);
    }

    private static async Task<Results<Ok<TopicView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string retroId, string topicId, UpdateTopicRequest request, HttpRequest http, TopicCommands topics, CancellationToken ct)
    {
        if (request.Validate() is { } errors) return TypedResults.ValidationProblem(errors);
        var outcome = await topics.UpdateAsync(retroId, topicId, ParticipantAuth.Required(http), request, ct);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Ok(outcome.Value);
    }

    private static async Task<Results<Ok<T>, ProblemHttpResult>> ToResult<T>(Task<Outcome<T>> command)
    {
        var outcome = await command;
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Ok(outcome.Value);
    }
}
