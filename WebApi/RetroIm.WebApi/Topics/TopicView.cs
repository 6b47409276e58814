using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Retros;

namespace RetroIm.WebApi.Topics;

/// <summary>A topic as clients see it; <see cref="Order"/> is its creation sequence within the retro (1, 2, …).</summary>
internal sealed record TopicView(
    string Id,
    string Title,
    string Description,
    string Status,
    long Votes,
    long Order,
    PersonView CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? DoneAt)
{
    public static TopicView From(TopicRow row) => new(
        row.Id,
        row.Title,
        row.Description,
        row.Status,
        row.Votes,
        row.Ordinal,
        new PersonView(row.CreatedBy, row.CreatorName),
        UnixTime.ToDate(row.CreatedAt),
        UnixTime.ToDate(row.StartedAt),
        UnixTime.ToDate(row.DoneAt));
}
