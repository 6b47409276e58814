namespace RetroIm.E2E.Tests;

/// <summary>One thing that happened in a retro as the activity feed must record it: who did what to which topic.</summary>
internal sealed record MeetingStep(string Type, string ActorId, string TopicTitle)
{
    public override string ToString() => $"{Type} by {ActorId} on “{TopicTitle}”";
}
