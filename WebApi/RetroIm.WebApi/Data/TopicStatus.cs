namespace RetroIm.WebApi.Data;

/// <summary>The values of <c>topics.status</c>, also used as is in JSON.</summary>
internal static class TopicStatus
{
    public const string Upcoming = "upcoming";
    public const string Current = "current";
    public const string Done = "done";
}
