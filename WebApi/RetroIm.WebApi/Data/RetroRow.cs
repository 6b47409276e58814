namespace RetroIm.WebApi.Data;

/// <summary>A row of <c>retros</c>.</summary>
internal sealed class RetroRow
{
    public string Id { get; init; } = "";
    public string Title { get; init; } = "";
    public long CreatedAt { get; init; }
    public long Version { get; set; }
}
