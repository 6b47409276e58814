namespace RetroIm.WebApi.Data;

/// <summary>A row of <c>activity</c>, with the actor's name joined in.</summary>
internal sealed class ActivityRow
{
    public long Id { get; init; }
    public string RetroId { get; init; } = "";
    public long At { get; init; }
    public string? ActorId { get; init; }
    public string? ActorName { get; init; }
    public string Type { get; init; } = "";
    public string Text { get; init; } = "";
    public string? TopicId { get; init; }
}
