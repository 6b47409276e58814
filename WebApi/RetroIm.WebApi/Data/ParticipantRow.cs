namespace RetroIm.WebApi.Data;

/// <summary>A row of <c>participants</c> (without the token hash, which never leaves the database).</summary>
internal sealed class ParticipantRow
{
    public string Id { get; init; } = "";
    public string RetroId { get; init; } = "";
    public string Name { get; init; } = "";
    public long JoinedAt { get; init; }
}
