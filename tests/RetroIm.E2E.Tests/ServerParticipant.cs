namespace RetroIm.E2E.Tests;

internal sealed record ServerParticipant(string Id, string Name, bool Online);
