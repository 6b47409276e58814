using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Topics;

internal sealed record CreateTopicRequest(string? Title, string? Description)
{
    public Dictionary<string, string[]>? Validate() => new FieldErrors()
        .Required("title", Title, Limits.Title)
        .Optional("description", Description, Limits.Description)
        .ToDictionary();
}
