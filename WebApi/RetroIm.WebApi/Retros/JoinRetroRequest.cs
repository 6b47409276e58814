using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Retros;

internal sealed record JoinRetroRequest(string? Name)
{
    public Dictionary<string, string[]>? Validate() =>
        new FieldErrors().Required("name", Name, Limits.Name).ToDictionary();
}
