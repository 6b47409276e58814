namespace RetroIm.WebApi.Topics;

/// <summary>The topic after the vote change and how many votes the caller has left.</summary>
internal sealed record VoteResponse(TopicView Topic, int VotesLeft);
