using RetroIm.Im.Protocol;

namespace RetroIm.Im.Backplane;

/// <summary>
/// Everything the relay nodes and <see cref="ImClient"/> share: tickets, node membership, presence,
/// channel membership and pub/sub. Two implementations with identical semantics:
/// <c>RedisBackplane</c> (a cluster, Lua scripts keep every multi-key change atomic) and
/// <c>InMemoryBackplane</c> (the embedded single-process mode).
/// </summary>
/// <remarks>
/// Presence is counted per (clientId, node): a client is online while any node holds a connection for it.
/// Online/offline <see cref="PresenceEvent"/>s are published on <see cref="ImTopics.Events"/> by the backplane itself,
/// atomically with the state change, so events are never reordered against the state they describe.
/// </remarks>
public interface IImBackplane : IAsyncDisposable
{
    /// <summary>"redis" or "memory"; shown by health checks.</summary>
    string Kind { get; }

    /// <summary>Checks the backplane is reachable (a PING for Redis).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    // ---- connect tickets -------------------------------------------------------------------

    /// <summary>Stores a single-use ticket under <paramref name="token"/> for <paramref name="ttl"/>.</summary>
    Task StoreTicketAsync(string token, ConnectTicket ticket, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Consumes the ticket atomically when it was issued for <paramref name="nodeId"/>; a ticket for another node is
    /// left in place (so the client may still use it there) and reported as <see cref="TicketStatus.WrongNode"/>.
    /// </summary>
    Task<TicketRedeemResult> RedeemTicketAsync(string token, string nodeId, CancellationToken cancellationToken = default);

    // ---- nodes -----------------------------------------------------------------------------

    /// <summary>
    /// Registers or refreshes a node for <paramref name="ttl"/>. Returns true when the node was not registered before
    /// this call (first start, or it was reaped / Redis lost its data): the caller must then re-add its connections.
    /// </summary>
    Task<bool> HeartbeatNodeAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Removes a node and every connection it held, publishing offline for clients left with none.</summary>
    Task RemoveNodeAsync(string nodeId, CancellationToken cancellationToken = default);

    /// <summary>Removes nodes whose heartbeat expired (as <see cref="RemoveNodeAsync"/>). Returns the ids removed.</summary>
    Task<IReadOnlyList<string>> ReapExpiredNodesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes (as <see cref="RemoveNodeAsync"/>) listed nodes that have not been listening to the backplane for
    /// <paramref name="timeout"/>: their process died, or lost its link, long before their registration would expire.
    /// Silence is measured across calls (from any node), so call it periodically, more often than the timeout. Finds
    /// none while the calling node <paramref name="selfNodeId"/> is not listening itself. Returns the ids removed; a
    /// backplane that cannot tell (the in-memory one, which lives in one process) returns none.
    /// </summary>
    Task<IReadOnlyList<string>> ReapSilentNodesAsync(string selfNodeId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// The live nodes, ordered by id: registered, unexpired, and not found silent by <see cref="ReapSilentNodesAsync"/>
    /// (a node nobody listens to is left out from the first check that finds it so, before it is reaped).
    /// </summary>
    Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken cancellationToken = default);

    // ---- presence --------------------------------------------------------------------------

    /// <summary>
    /// Counts one more connection of <paramref name="connection"/>'s client on its node; publishes online when it is the
    /// client's first connection anywhere. Returns the channels the client is a member of.
    /// </summary>
    Task<IReadOnlyList<string>> AddConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default);

    /// <summary>Counts one connection less; publishes offline when it was the client's last connection anywhere.</summary>
    Task RemoveConnectionAsync(ConnectionRegistration connection, CancellationToken cancellationToken = default);

    Task<bool> IsOnlineAsync(string clientId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetOnlineClientsAsync(CancellationToken cancellationToken = default);

    /// <summary>The nodes holding connections of <paramref name="clientId"/>, with how many each holds.</summary>
    Task<IReadOnlyDictionary<string, long>> GetClientNodesAsync(string clientId, CancellationToken cancellationToken = default);

    // ---- channels (membership is the business's: it survives reconnects and goes only on LeaveChan) ----

    Task AddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="AddChanMembersAsync"/>, unless a client not yet in <paramref name="chan"/> is already in
    /// <paramref name="maxChansPerClient"/> channels (zero: no limit): then nobody is added and the refusal names that
    /// client. Checked and written in one atomic step, so concurrent joins (ImHelper's and clients' own) never overshoot.
    /// </summary>
    Task<ChanJoinRefusal?> TryAddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, int maxChansPerClient, CancellationToken cancellationToken = default);

    Task RemoveChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default);

    /// <summary>Every channel that has at least one member.</summary>
    Task<IReadOnlyList<string>> GetChansAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetClientChansAsync(string clientId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetChanMembersAsync(string chan, CancellationToken cancellationToken = default);

    /// <summary>How many members of <paramref name="chan"/> are online now.</summary>
    Task<long> GetChanOnlineAsync(string chan, CancellationToken cancellationToken = default);

    // ---- pub/sub ---------------------------------------------------------------------------

    /// <summary>
    /// Publishes <paramref name="packet"/> once to every node that holds a connection of any of
    /// <paramref name="clientIds"/> (looked up and published in one atomic step).
    /// </summary>
    Task<ClientsPublishResult> PublishToClientsAsync(IReadOnlyList<string> clientIds, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken = default);

    /// <summary>Publishes on a topic (see <see cref="ImTopics"/>). Returns how many subscribers got it.</summary>
    Task<long> PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a topic; completes once the subscription is active. The handler runs on the backplane's
    /// dispatch loop: it must be quick and must not block, and <c>payload</c> is valid only during the call.
    /// Subscribing the same topic twice replaces the handler. Subscriptions survive reconnects.
    /// </summary>
    Task SubscribeAsync(string topic, BackplaneHandler handler, CancellationToken cancellationToken = default);

    Task UnsubscribeAsync(string topic, CancellationToken cancellationToken = default);

    // ---- client events (a stream the business reads through consumer groups, at least once) ----

    /// <summary>
    /// Appends a client event to the stream (<c>im:clientevents</c>, trimmed to about 10,000 entries) and returns its
    /// id; <see cref="ClientEvent.Id"/> of the argument is ignored.
    /// </summary>
    Task<string> AppendClientEventAsync(ClientEvent clientEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <paramref name="count"/> events no consumer of <paramref name="group"/> has been given yet, waiting
    /// at most <paramref name="wait"/> for one (empty when none came). Each becomes pending for
    /// <paramref name="consumer"/> until acknowledged. A group that does not exist is created at the start of the
    /// stream, so it sees every retained event.
    /// </summary>
    Task<IReadOnlyList<ClientEvent>> ReadClientEventsAsync(string group, string consumer, int count, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges events of <paramref name="group"/> (they are never delivered again). Returns how many were pending.</summary>
    Task<long> AckClientEventsAsync(string group, IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes over up to <paramref name="count"/> events pending in <paramref name="group"/> for at least
    /// <paramref name="minIdle"/> (their consumer died or is stuck) and returns them, oldest first; they become pending
    /// for <paramref name="consumer"/>. Pending events already trimmed from the stream are dropped.
    /// </summary>
    Task<IReadOnlyList<ClientEvent>> ClaimClientEventsAsync(string group, string consumer, TimeSpan minIdle, int count, CancellationToken cancellationToken = default);

    // ---- positioned streams (README "Delivery guarantees") ----------------------------------

    /// <summary>
    /// As <see cref="PublishToClientsAsync"/> for a message frame, and in the same atomic step appends the frame to the
    /// stream of every client in <paramref name="clientIds"/> (online or not; they must be distinct) under its next
    /// offset. The published packet is <paramref name="header"/> with <see cref="RelayHeader.Epochs"/> and
    /// <see cref="RelayHeader.Offsets"/> aligned with <paramref name="clientIds"/>, then <c>\n</c>, then
    /// <paramref name="frame"/> unchanged: the receiving node splices each receiver's position into its copy. With
    /// <see cref="StreamRetention.None"/> nothing is appended and the packet has no positions.
    /// </summary>
    Task<ClientsPublishResult> PublishMessageToClientsAsync(IReadOnlyList<string> clientIds, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="frame"/> to the channel's stream and publishes <paramref name="header"/> (with the
    /// position) and the frame on <see cref="ImTopics.Chan"/>, in one atomic step. Returns the position.
    /// </summary>
    Task<StreamPosition> PublishChanMessageAsync(string chan, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the entries of <paramref name="stream"/> (see <see cref="ImStreams"/>) after <paramref name="afterOffset"/>
    /// in <paramref name="epoch"/>, all of them or none: a gap beyond the retention is
    /// <see cref="StreamReadStatus.Expired"/>, another epoch <see cref="StreamReadStatus.EpochChanged"/>.
    /// </summary>
    Task<StreamReadResult> ReadStreamAsync(string stream, string epoch, long afterOffset, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current position of each stream, aligned with <paramref name="streams"/>. A stream without a sequence gets
    /// one now (a fresh epoch, offset 0), so a client that has not received anything on it yet can still present a
    /// position and recover what was published after it (README "Delivery guarantees").
    /// </summary>
    Task<IReadOnlyList<StreamPosition>> GetStreamPositionsAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised when the backplane restored its subscriptions after losing them (Redis restarted or the connection
    /// dropped): messages published in between were not delivered, and subscribers catch up from the streams.
    /// </summary>
    event Action? Resubscribed;

    /// <summary>
    /// Raised on the loop that runs the <see cref="SubscribeAsync"/> handlers each time it has handed them every packet
    /// that had arrived, before it waits for more (Redis: the packets of one read from the subscription; in memory: the
    /// queue emptied). The packets delivered between two of these arrived together: a handler may hold work back until
    /// then to treat them as one burst (the relay sends a burst of channel messages to each member in one system call).
    /// </summary>
    event Action? BurstDelivered;
}

/// <summary>Receives one published payload; see <see cref="IImBackplane.SubscribeAsync"/>.</summary>
public delegate void BackplaneHandler(string topic, ReadOnlyMemory<byte> payload);
