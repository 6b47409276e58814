using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Topics;

/// <summary>Changes the fields that are present; at least one must be.</summary>
internal sealed record UpdateTopicRequest(string? Title, string? Description)
{
    public Dictionary<string, string[]>? Validate()
    {
        var errors = new FieldErrors();
        if (Title is null && Description is null) return errors.Add("title", "Send a title, a description or both.").ToDictionary();
        if (Title is not null) errors.Required("title", Title, Limits.Title);
        return errors.Optional("description", Description, Limits.Description).ToDictionary();
    }
}
