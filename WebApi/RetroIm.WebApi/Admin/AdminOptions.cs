namespace RetroIm.WebApi.Admin;

/// <summary>The admin page and API (section <c>Admin</c>). With no <see cref="Key"/> both are disabled.</summary>
internal sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>The shared secret callers send in the <c>X-Admin-Key</c> header. Keep it out of source control.</summary>
    public string? Key { get; set; }

    /// <summary>How often the graph's history samples the nodes.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many samples the history keeps (the default covers ten minutes at the default interval).</summary>
    public int HistorySize { get; set; } = 200;

    public bool Enabled => !string.IsNullOrEmpty(Key);
}
