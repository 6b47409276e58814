namespace RetroIm.Im.Backplane;

/// <summary>What a connect token grants: who connects, with what metadata, and on which node.</summary>
/// <param name="Rights">What the connection may do by itself (see <see cref="Rights.ImRights"/>); null: nothing but receive.</param>
public sealed record ConnectTicket(string ClientId, string? Metadata, string NodeId, long IssuedAtMs,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<string>? Rights = null);

public enum TicketStatus
{
    /// <summary>Consumed: the connection may proceed.</summary>
    Ok,

    /// <summary>Never issued, already used, or expired.</summary>
    Unknown,

    /// <summary>Issued for another node; the ticket was left unused.</summary>
    WrongNode,
}

/// <summary>The outcome of <see cref="IImBackplane.RedeemTicketAsync"/>.</summary>
/// <param name="OwnerNodeId">With <see cref="TicketStatus.WrongNode"/>: the node the ticket was issued for.</param>
public sealed record TicketRedeemResult(TicketStatus Status, ConnectTicket? Ticket = null, string? OwnerNodeId = null);

/// <summary>A live relay node.</summary>
/// <param name="Id">Stable node id (by default the host:port of <paramref name="Url"/>).</param>
/// <param name="Url">Public base URL clients connect to, ws:// or wss://, without the /ws path.</param>
/// <param name="Connections">Connections held at the last heartbeat.</param>
/// <param name="StartedAtMs">Unix milliseconds when the node started.</param>
/// <param name="Draining">True while the node drains (<c>imctl drain</c>, shutdown): it keeps its connections
/// registered but new clients are routed to other nodes.</param>
/// <param name="Stats">The node's live figures at the last heartbeat; null from nodes that do not measure them.</param>
public sealed record NodeInfo(string Id, string Url, long Connections, long StartedAtMs, bool Draining = false,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    NodeStats? Stats = null);

/// <summary>One WebSocket connection of a client on a node.</summary>
public sealed record ConnectionRegistration(string NodeId, string ClientId, string ConnectionId, string? Metadata);

/// <summary>The outcome of <see cref="IImBackplane.PublishToClientsAsync"/>.</summary>
/// <param name="NodeIds">Nodes the packet was published to.</param>
/// <param name="OfflineClientIds">Clients no node holds.</param>
public sealed record ClientsPublishResult(IReadOnlyList<string> NodeIds, IReadOnlyList<string> OfflineClientIds);
