namespace RetroIm.WebApi.Retros;

/// <summary>The caller's own state, present on the board when a valid bearer token for this retro is sent.</summary>
internal sealed record MeView(string ParticipantId, string Name, int VotesLeft, IReadOnlyList<string> VotedTopicIds);
