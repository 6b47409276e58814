using System.Text.Json;

namespace RetroIm.Im;

/// <summary>
/// Settings of <see cref="ImClient"/>, bound from the configuration section <c>"ImHelper"</c>:
/// <code>
/// "ImHelper": { "Redis": "127.0.0.1:6379,prefix=im:", "Servers": [ "ws://10.0.0.5:6001" ], "TokenTtl": "00:00:30" }
/// </code>
/// </summary>
public sealed class ImHelperOptions
{
    /// <summary>
    /// The cluster's Redis, as a FreeRedis-style connection string (<c>"127.0.0.1:6379,password=…,prefix=im:"</c>).
    /// It must be the same Redis (and prefix) the ImServer nodes use. Empty: the in-memory backplane (embedded mode).
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// Optional allow-list of nodes, by URL (<c>ws://host:port</c>) or node id (<c>host:port</c>). When set, clients are
    /// routed only to live nodes in this list; the order of the list does not matter. Empty: every live node.
    /// </summary>
    public string[]? Servers { get; set; }

    /// <summary>How long a connect URL from <see cref="ImClient.PrevConnectServerAsync(string, string?, CancellationToken)"/> stays valid. Default 30 s.</summary>
    public TimeSpan TokenTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="ImClient.SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/> with <c>receipt: true</c> waits for the nodes' reports. Default 5 s.</summary>
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most channels one client may be a member of: <see cref="ImClient.JoinChanAsync(string, string[])"/> refuses
    /// a join that would take a client past it (checked atomically with the write). Default 100; zero: no limit. Relay
    /// nodes have their own <c>ImServer:MaxChannelsPerClient</c>, which also refuses clients' own <c>join</c> frames;
    /// keep theirs at least this.
    /// </summary>
    public int MaxChannelsPerClient { get; set; } = 100;

    /// <summary>
    /// How long every <see cref="ImClient"/> call that touches Redis (connect URLs, sends, receipts, joins and leaves,
    /// grants, queries, force-offline) waits for an unreachable Redis to come back before it throws. Default zero: fail
    /// fast. Either way an outage surfaces as one exception type, <see cref="RetroIm.Redis.RedisConnectionException"/>,
    /// whose message names the Redis endpoint and how long was waited — never a hang, never an empty or false answer.
    /// Reads and repeatable writes are retried after any connection failure; a message only when it provably never
    /// reached Redis, so a wait never sends a message twice. One attempt already sent may still take up to the Redis
    /// <c>commandTimeout</c>, so the worst case is this bound plus that timeout.
    /// </summary>
    public TimeSpan RedisWaitTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long connect URLs (<see cref="ImClient.PrevConnectServerAsync(string, string?, CancellationToken)"/>) may
    /// route with a cached list of the live nodes, so a URL normally costs one Redis round trip (the ticket) instead of
    /// two. Default 1 s; zero: no cache, every URL reads the node list. Nodes announce joining, draining and leaving
    /// on <c>im:nodechanges</c> (README "Redis keys"), and every announcement drops the cache at once, so this is only
    /// the bound for what is never announced: a node that crashed (gone from the list once its ImServer:NodeTtl ran
    /// out, and at once when another node reaps it), a node older than the announcements (rolling upgrades), or an
    /// announcement lost while the subscription reconnects. The cache is trusted only while the announcements are
    /// subscribed; concurrent URLs that find it stale share one read.
    /// </summary>
    public TimeSpan NodeListMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With <c>receipt: true</c>, how long a send waits, after the nodes reported the writes, for the written receivers
    /// to acknowledge (<see cref="SendReceipt.Acked"/>). Default zero: acknowledgements that arrived by then are
    /// reported, none is waited for (clients that never acknowledge would otherwise delay every receipt).
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How many direct messages per client and messages per channel are kept for clients that reconnect (README
    /// "Delivery guarantees"); with <see cref="HistoryTtl"/>, whichever is smaller. Default 1,000.
    /// </summary>
    public int HistorySize { get; set; } = 1000;

    /// <summary>How long messages are kept for clients that reconnect; see <see cref="HistorySize"/>. Default 10 minutes.</summary>
    public TimeSpan HistoryTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The Redis consumer group this application reads client events with (<see cref="ImClient.OnClientEvent(string, Func{ClientEvent, CancellationToken, Task})"/>).
    /// Every instance of one application uses the same group, so each event is handled by one of them; two different
    /// applications use different groups and each gets every event. Default "business".
    /// </summary>
    public string EventsGroup { get; set; } = "business";

    /// <summary>
    /// How long a client event may stay unacknowledged by the instance that read it before another instance takes it
    /// over (XAUTOCLAIM): the instance died, or its handler hangs or threw. Default 30 s.
    /// </summary>
    public TimeSpan EventsClaimAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How message objects are turned into JSON (web defaults: camelCase properties). Not read from configuration;
    /// set it in code, before the first send.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
