using RetroIm.WebApi.Topics;

namespace RetroIm.WebApi.Retros;

/// <summary>
/// The whole board at one <see cref="Version"/>: <see cref="Previous"/> are done topics by doneAt, <see cref="Current"/>
/// holds 0 or 1 topic, <see cref="Next"/> are upcoming topics by votes (desc) then age (oldest first).
/// </summary>
internal sealed record RetroBoard(
    string Id,
    string Title,
    DateTimeOffset CreatedAt,
    long Version,
    int VotesPerParticipant,
    IReadOnlyList<TopicView> Previous,
    IReadOnlyList<TopicView> Current,
    IReadOnlyList<TopicView> Next,
    IReadOnlyList<ParticipantView> Participants,
    MeView? Me);
