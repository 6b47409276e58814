namespace RetroIm.WebApi.Admin;

/// <summary>One point of the admin graph: every live node's load at <paramref name="AtMs"/> (unix ms).</summary>
internal sealed record AdminSample(long AtMs, IReadOnlyList<AdminNodeSample> Nodes);
