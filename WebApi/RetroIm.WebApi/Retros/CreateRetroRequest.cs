using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Retros;

internal sealed record CreateRetroRequest(string? Title)
{
    public Dictionary<string, string[]>? Validate() =>
        new FieldErrors().Required("title", Title, Limits.Title).ToDictionary();
}
