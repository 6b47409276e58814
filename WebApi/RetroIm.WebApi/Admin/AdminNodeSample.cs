namespace RetroIm.WebApi.Admin;

/// <summary>A node's figures in one <see cref="AdminSample"/>: what the graph draws.</summary>
internal sealed record AdminNodeSample(string Id, long Connections, double MessagesOutPerSec, double MessagesInPerSec);
