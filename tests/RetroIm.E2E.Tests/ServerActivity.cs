namespace RetroIm.E2E.Tests;

/// <summary>One activity entry: <see cref="Type"/>, actor and topic for the test to check, <see cref="Text"/> as people read it.</summary>
internal sealed record ServerActivity(long Id, string Type, string Text, ServerPerson? Actor, string? TopicId);
