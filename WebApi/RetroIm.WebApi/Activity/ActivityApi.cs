using Microsoft.AspNetCore.Http.HttpResults;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Activity;

internal static class ActivityApi
{
    public static IEndpointRouteBuilder MapActivityApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/retros/{retroId}/activity", ReadAsync)
            .WithTags("Activity")
            .WithSummary("The retro's activity feed, newest first")
            .WithDescription($"Pass the previous page's `next` as `before` for older entries; `limit` is 1..{Limits.ActivityPageMax} (default {Limits.ActivityPageDefault}). Entries older than Retro:ActivityRetentionDays are deleted.");
        return routes;
    }

    private static async Task<Results<Ok<ActivityPage>, ValidationProblem, ProblemHttpResult>> ReadAsync(
        string retroId, long? before, int? limit, ActivityReader activity, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (limit is < 1 or > Limits.ActivityPageMax) errors.Add("limit", $"The limit must be between 1 and {Limits.ActivityPageMax}.");
        if (before is < 1) errors.Add("before", "The before cursor must be a positive activity id.");
        if (errors.ToDictionary() is { } invalid) return TypedResults.ValidationProblem(invalid);

        return await activity.ReadPageAsync(retroId, before, limit ?? Limits.ActivityPageDefault, ct) is { } page
            ? TypedResults.Ok(page)
            : RetroError.RetroNotFound.ToProblem();
    }
}
