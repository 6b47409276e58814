namespace RetroIm.E2E.Tests;

/// <summary>The board as GET /api/retros/{id} returns it: the server's truth the pages are compared with.</summary>
internal sealed record ServerBoard(
    string Id,
    string Title,
    long Version,
    IReadOnlyList<ServerTopic> Previous,
    IReadOnlyList<ServerTopic> Current,
    IReadOnlyList<ServerTopic> Next,
    IReadOnlyList<ServerParticipant> Participants)
{
    /// <summary>A column by the page's name for it: previous, current or next.</summary>
    public IReadOnlyList<ServerTopic> Column(string column) => column switch
    {
        "previous" => Previous,
        "current" => Current,
        "next" => Next,
        _ => throw new ArgumentOutOfRangeException(nameof(column), column, "previous, current or next"),
    };
}
