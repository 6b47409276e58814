using Microsoft.AspNetCore.Http.HttpResults;

namespace RetroIm.WebApi.Writes;

/// <summary>
/// The problem responses of the retro API. Each carries a stable <c>code</c> extension so clients need not parse
/// the human <c>detail</c>.
/// </summary>
internal static class RetroProblems
{
    public static ProblemHttpResult ToProblem(this RetroError error) => error switch
    {
        RetroError.RetroNotFound => Problem(StatusCodes.Status404NotFound, "retro_not_found", "Retro not found", "No retro has this id."),
        RetroError.TopicNotFound => Problem(StatusCodes.Status404NotFound, "topic_not_found", "Topic not found", "This retro has no topic with this id."),
        RetroError.Unauthorized => Problem(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", "Send 'Authorization: Bearer <token>' with the token you got when joining this retro."),
        RetroError.TopicIsDone => Problem(StatusCodes.Status409Conflict, "topic_done", "Topic is done", "Reopen the topic before starting it again."),
        RetroError.TopicIsCurrent => Problem(StatusCodes.Status409Conflict, "topic_current", "Topic is current", "Only a done topic can be reopened; mark it done or start another topic."),
        RetroError.AlreadyVoted => Problem(StatusCodes.Status409Conflict, "already_voted", "Already voted", "A participant has one vote per topic."),
        RetroError.NotVoted => Problem(StatusCodes.Status409Conflict, "not_voted", "Not voted", "You have no vote on this topic to remove."),
        RetroError.VoteLimitReached => Problem(StatusCodes.Status409Conflict, "vote_limit", "No votes left", "You have used all your votes; remove one to vote for another topic."),
        RetroError.RelayUnavailable => Problem(StatusCodes.Status503ServiceUnavailable, "relay_unavailable", "Relay unavailable", "No ImServer node is reachable right now; try again shortly."),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };

    private static ProblemHttpResult Problem(int status, string code, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });
}
