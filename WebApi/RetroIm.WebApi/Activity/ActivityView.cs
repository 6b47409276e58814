using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Retros;

namespace RetroIm.WebApi.Activity;

/// <summary>One feed entry; <see cref="Text"/> is a sentence for people, <see cref="Type"/> the event type for code.</summary>
internal sealed record ActivityView(long Id, DateTimeOffset At, PersonView? Actor, string Type, string Text, string? TopicId)
{
    public static ActivityView From(ActivityRow row) => new(
        row.Id,
        UnixTime.ToDate(row.At),
        row.ActorId is null ? null : new PersonView(row.ActorId, row.ActorName ?? ""),
        row.Type,
        row.Text,
        row.TopicId);
}
