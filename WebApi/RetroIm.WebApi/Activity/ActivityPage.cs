namespace RetroIm.WebApi.Activity;

/// <summary>Newest first; pass <see cref="Next"/> as <c>before</c> to get the older page (null: no more).</summary>
internal sealed record ActivityPage(IReadOnlyList<ActivityView> Items, long? Next);
