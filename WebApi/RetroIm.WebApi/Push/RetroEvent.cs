using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Retros;
using RetroIm.WebApi.Topics;

namespace RetroIm.WebApi.Push;

/// <summary>
/// What the retro's channel receives (the <c>data</c> of the relay's message frame) after each committed change.
/// <see cref="Version"/> is the retro's version after the change, one more than the event before; presence events
/// (<c>participant.online</c>/<c>participant.offline</c>) change nothing stored and carry <c>null</c>.
/// </summary>
internal sealed record RetroEvent(
    string Type,
    string RetroId,
    long? Version,
    PersonView? Actor,
    TopicView? Topic,
    ParticipantView? Participant,
    ActivityView? Activity);
