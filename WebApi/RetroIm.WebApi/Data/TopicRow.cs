namespace RetroIm.WebApi.Data;

/// <summary>A row of <c>topics</c>, with the creator's name joined in.</summary>
internal sealed class TopicRow
{
    public string Id { get; init; } = "";
    public string RetroId { get; init; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Status { get; set; } = TopicStatus.Upcoming;
    public long Votes { get; set; }
    public string CreatedBy { get; init; } = "";
    public string CreatorName { get; init; } = "";
    public long CreatedAt { get; init; }
    public long? StartedAt { get; set; }
    public long? DoneAt { get; set; }
    public long Ordinal { get; init; }
}
