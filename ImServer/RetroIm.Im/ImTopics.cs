namespace RetroIm.Im;

/// <summary>
/// Every pub/sub topic name in one place. A backplane adds its key prefix (Redis: the connection string's
/// <c>prefix=</c>) in front of these names; see README "Redis keys".
/// </summary>
public static class ImTopics
{
    /// <summary>A node's inbox: direct messages and control packets for clients it holds.</summary>
    public static string Node(string nodeId) => "im:node:" + nodeId;

    /// <summary>
    /// A node's inbox for direct messages in batches: one pub/sub message holds several relay packets
    /// (<see cref="Protocol.RelayBatch"/>), all of one ImHelper script call for this node. ImHelper publishes here and,
    /// when no one listens (a node older than this topic), each packet on <see cref="Node"/> instead.
    /// </summary>
    public static string NodeBatch(string nodeId) => "im:nodebatch:" + nodeId;

    /// <summary>A channel's messages; a node subscribes while it holds at least one member of the channel.</summary>
    public static string Chan(string chan) => "im:chan:" + chan;

    /// <summary>Broadcast to every connection on every node.</summary>
    public const string All = "im:all";

    /// <summary>Online/offline <see cref="PresenceEvent"/>s for the business.</summary>
    public const string Events = "im:events";

    /// <summary>
    /// A node joined, began draining, or left (deregistered or reaped): <c>{"type":"joined"|"draining"|"left","node":id,"ts":ms}</c>,
    /// published by the backplane atomically with the change. <see cref="ImClient"/> drops its cached node list on
    /// each; a plain heartbeat publishes nothing. Nodes older than this topic publish nothing, which the cache's
    /// <see cref="ImHelperOptions.NodeListMaxAge"/> covers.
    /// </summary>
    public const string NodeChanges = "im:nodechanges";

    /// <summary>Where nodes report which receivers of a message they wrote to, for one <see cref="ImClient"/> instance.</summary>
    public static string Receipts(string helperId) => "im:receipts:" + helperId;
}
