namespace RetroIm.WebApi.Health;

internal sealed record BackplaneHealth(string Kind, bool Reachable);
