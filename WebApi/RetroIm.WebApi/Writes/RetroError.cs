namespace RetroIm.WebApi.Writes;

/// <summary>Why a retro command was refused; each maps to one problem response (see <see cref="RetroProblems"/>).</summary>
internal enum RetroError
{
    RetroNotFound,
    Unauthorized,
    TopicNotFound,
    TopicIsDone,
    TopicIsCurrent,
    AlreadyVoted,
    NotVoted,
    VoteLimitReached,
    RelayUnavailable,
}
