namespace RetroIm.E2E.Tests;

internal sealed record ServerPerson(string Id, string Name);
