using Microsoft.AspNetCore.Http.HttpResults;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Retros;

internal static class RetroApi
{
    public static IEndpointRouteBuilder MapRetroApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/retros").WithTags("Retros");

        group.MapPost("/", CreateAsync)
            .WithSummary("Create a retro")
            .WithDescription("Returns the empty board. Join it next to get a participant token.");
        group.MapGet("/{retroId}", GetAsync)
            .WithSummary("The board: previous, current and next topics, participants with online flags, and the version")
            .WithDescription("With a valid bearer token for this retro, `me` holds the caller's votes; otherwise (no token or a wrong one) `me` is null.");
        group.MapPost("/{retroId}/participants", JoinAsync)
            .WithSummary("Join a retro with a display name")
            .WithDescription("Returns the participant id (its ImServer client id), a bearer token for later calls (shown only once) and a single-use WebSocket URL (null when no relay node is reachable: ask /connect).");
        group.MapGet("/{retroId}/connect", ConnectAsync)
            .RequireParticipant()
            .WithSummary("A fresh single-use WebSocket URL (bearer)")
            .WithDescription("Connect tokens are single use and short-lived, so every (re)connect asks again.");
        return routes;
    }

    private static async Task<Results<Created<RetroBoard>, ValidationProblem>> CreateAsync(CreateRetroRequest request, RetroCommands retros, CancellationToken ct)
    {
        if (request.Validate() is { } errors) return TypedResults.ValidationProblem(errors);
        var board = await retros.CreateAsync(request, ct);
        return TypedResults.Created($"/api/retros/{board.Id}", board);
    }

    private static async Task<Results<Ok<RetroBoard>, ProblemHttpResult>> GetAsync(string retroId, HttpRequest http, RetroBoardReader boards, CancellationToken ct) =>
        await boards.ReadAsync(retroId, ParticipantAuth.Optional(http), ct) is { } board
            ? TypedResults.Ok(board)
            : RetroError.RetroNotFound.ToProblem();

    private static async Task<Results<Created<JoinRetroResponse>, ValidationProblem, ProblemHttpResult>> JoinAsync(
        string retroId, JoinRetroRequest request, RetroCommands retros, CancellationToken ct)
    {
        if (request.Validate() is { } errors) return TypedResults.ValidationProblem(errors);
        var outcome = await retros.JoinAsync(retroId, request, ct);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Created((string?)null, outcome.Value);
    }

    private static async Task<Results<Ok<ConnectResponse>, ProblemHttpResult>> ConnectAsync(string retroId, HttpRequest http, RetroCommands retros, CancellationToken ct)
    {
        var outcome = await retros.ConnectAsync(retroId, ParticipantAuth.Required(http), ct);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Ok(outcome.Value);
    }
}
