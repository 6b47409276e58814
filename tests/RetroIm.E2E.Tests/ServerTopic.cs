namespace RetroIm.E2E.Tests;

/// <summary>The parts of a topic the pages show.</summary>
internal sealed record ServerTopic(string Id, string Title, string Status, long Votes);
