namespace RetroIm.ImCtl;

/// <summary>A result printed as it is instead of as JSON (the tables humans read during incidents).</summary>
internal sealed record PlainText(string Text);
