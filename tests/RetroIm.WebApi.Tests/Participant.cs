namespace RetroIm.WebApi.Tests;

/// <summary>What joining a retro gave a test participant.</summary>
public sealed record Participant(string RetroId, string Id, string Token, string? ConnectUrl);
