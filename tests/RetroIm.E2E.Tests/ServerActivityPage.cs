namespace RetroIm.E2E.Tests;

/// <summary>GET /api/retros/{id}/activity: newest first.</summary>
internal sealed record ServerActivityPage(IReadOnlyList<ServerActivity> Items, long? Next);
