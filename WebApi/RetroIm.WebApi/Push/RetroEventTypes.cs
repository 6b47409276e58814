namespace RetroIm.WebApi.Push;

/// <summary>The <c>type</c> of every <see cref="RetroEvent"/>; also the <c>type</c> of the matching activity entry.</summary>
internal static class RetroEventTypes
{
    public const string TopicCreated = "topic.created";
    public const string TopicUpdated = "topic.updated";
    public const string TopicStarted = "topic.started";
    public const string TopicDone = "topic.done";
    public const string TopicReopened = "topic.reopened";
    public const string VoteChanged = "vote.changed";
    public const string ParticipantJoined = "participant.joined";
    public const string ParticipantOnline = "participant.online";
    public const string ParticipantOffline = "participant.offline";

    /// <summary>Only in the activity feed: a retro's first entry (nobody is connected yet to be told).</summary>
    public const string RetroCreated = "retro.created";
}
