namespace RetroIm.Im.Backplane;

/// <summary>
/// Every Redis key and pub/sub channel name the backplane uses, with the connection string's <c>prefix=</c> (P) in
/// front. Lua scripts get key-name prefixes from here as arguments, so no name is spelled anywhere else.
/// <code>
/// P im:ticket:{token}          STRING  JSON ConnectTicket; PX = ticket TTL; deleted when redeemed
/// P im:nodes                   ZSET    nodeId → heartbeat expiry (unix ms, Redis clock)
/// P im:nodeinfo:{nodeId}       STRING  JSON NodeInfo; PX = node TTL
/// P im:nodeclients:{nodeId}    HASH    clientId → connections of that client on the node
/// P im:client:{clientId}       HASH    nodeId → connections; exists exactly while the client is online
/// P im:meta:{clientId}         STRING  metadata of the client's latest connection (absent when null or offline)
/// P im:online                  SET     online clientIds
/// P im:chans                   SET     channels with at least one member
/// P im:chanmembers:{chan}      SET     clientIds (membership survives reconnects; only LeaveChan removes it)
/// P im:clientchans:{clientId}  SET     channels the client is a member of
/// P im:seq:{stream}            HASH    e = epoch, s = last offset, n / t = retention (entries / ms), m = Redis ms of the
///                                      last expiry refresh, a = offset of the last append that checked it; PX max(24 h, t) + t
/// P im:hist:{stream}           STREAM  retained frames (o = offset, f = frame without pos); PX 2 × t
/// </code>
/// A stream is <c>c:{clientId}</c> or <c>ch:{chan}</c> (<see cref="ImStreams"/>).
/// Pub/sub channels are P + an <see cref="ImTopics"/> name: <c>im:node:{nodeId}</c>, <c>im:chan:{chan}</c>,
/// <c>im:all</c>, <c>im:events</c>, <c>im:nodechanges</c>, <c>im:receipts:{helperId}</c>. Key names never start with <c>im:node:</c> or
/// <c>im:chan:</c>, so no key can share its name with a channel, whatever the ids contain.
/// Only channel membership outlives presence: with every node gone, nothing but <c>im:chans</c>,
/// <c>im:chanmembers:*</c> and <c>im:clientchans:*</c> (and unexpired tickets and message streams, which expire) remains.
/// </summary>
internal sealed class RedisKeys
{
    public RedisKeys(string prefix)
    {
        Prefix = prefix;
        Nodes = prefix + "im:nodes";
        NodeSilence = prefix + "im:nodesilence";
        NodeInfoPrefix = prefix + "im:nodeinfo:";
        NodeClientsPrefix = prefix + "im:nodeclients:";
        ClientPrefix = prefix + "im:client:";
        MetaPrefix = prefix + "im:meta:";
        Online = prefix + "im:online";
        Chans = prefix + "im:chans";
        ChanMembersPrefix = prefix + "im:chanmembers:";
        ClientChansPrefix = prefix + "im:clientchans:";
        SeqPrefix = prefix + "im:seq:";
        HistPrefix = prefix + "im:hist:";
        Events = Topic(ImTopics.Events);
        NodeChanges = Topic(ImTopics.NodeChanges);
        NodeTopicPrefix = Topic(ImTopics.Node(""));
        NodeBatchTopicPrefix = Topic(ImTopics.NodeBatch(""));
    }

    public string Prefix { get; }

    public string Nodes { get; }

    /// <summary>Hash: per listed node nobody listens to, "first,last" Redis ms it was seen so (RedisScripts.SilentNodes).</summary>
    public string NodeSilence { get; }

    public string NodeInfoPrefix { get; }

    public string NodeClientsPrefix { get; }

    public string ClientPrefix { get; }

    public string MetaPrefix { get; }

    public string Online { get; }

    public string Chans { get; }

    public string ChanMembersPrefix { get; }

    public string ClientChansPrefix { get; }

    public string SeqPrefix { get; }

    public string HistPrefix { get; }

    /// <summary>The prefixed <see cref="ImTopics.Events"/> channel.</summary>
    public string Events { get; }

    /// <summary>The prefixed <see cref="ImTopics.NodeChanges"/> channel.</summary>
    public string NodeChanges { get; }

    /// <summary>The prefixed <see cref="ImTopics.Node"/> channel without the node id.</summary>
    public string NodeTopicPrefix { get; }

    /// <summary>The prefixed <see cref="ImTopics.NodeBatch"/> channel without the node id.</summary>
    public string NodeBatchTopicPrefix { get; }

    public string Ticket(string token) => Prefix + "im:ticket:" + token;

    public string NodeInfo(string nodeId) => NodeInfoPrefix + nodeId;

    public string NodeClients(string nodeId) => NodeClientsPrefix + nodeId;

    public string Client(string clientId) => ClientPrefix + clientId;

    public string Meta(string clientId) => MetaPrefix + clientId;

    public string ChanMembers(string chan) => ChanMembersPrefix + chan;

    public string ClientChans(string clientId) => ClientChansPrefix + clientId;

    /// <summary>The Redis channel of an <see cref="ImTopics"/> topic.</summary>
    public string Topic(string topic) => Prefix.Length == 0 ? topic : Prefix + topic;
}
