using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RetroIm.Im.Backplane;
using RetroIm.Im.Routing;

namespace RetroIm.Im;

/// <summary>
/// What business code uses to talk to a RetroIm relay cluster — FreeIM's <c>ImClient</c>, async: issue connect URLs
/// (<see cref="PrevConnectServerAsync(string, string?, CancellationToken)"/>), send to clients, channels and everyone,
/// manage channel membership, ask who is online, force clients offline, and receive online/offline events.
/// </summary>
/// <remarks>
/// <para>Register one per process (<see cref="ImHelperServiceCollectionExtensions.AddImHelper"/>, or
/// <see cref="ImHelper.Initialization"/> for the static facade); it is thread-safe.</para>
/// <para>Client ids are strings. FreeIM's <c>long</c> and <see cref="Guid"/> ids convert losslessly:
/// pass <c>id.ToString()</c> (<c>-42</c> → <c>"-42"</c>, a Guid → its 36-character form), and
/// <c>long.Parse</c> / <c>Guid.Parse</c> give the id back. Any string of 1–256 characters works, negative numbers
/// and non-ASCII included: routing hashes the string, it never takes a modulo of a number.</para>
/// </remarks>
public sealed partial class ImClient : IAsyncDisposable
{
    /// <summary>The longest client id accepted (characters).</summary>
    public const int MaxClientIdLength = 256;

    private const int TokenBytes = 18; // 144 bits of entropy; 24 base64url characters, no padding

    private readonly IImBackplane _backplane;
    private readonly ImHelperOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposing = new(); // never disposed: it has no timer, and callbacks may race DisposeAsync
    private int _disposed;

    /// <summary>Creates a client over a backplane (the cluster's Redis, or the in-memory one in embedded mode).</summary>
    /// <param name="backplane">Shared with the relay nodes; not disposed by this client.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Where handler failures and late receipts are logged.</param>
    /// <param name="time">The clock for ticket and message timestamps and receipt timeouts (tests pass a fake).</param>
    public ImClient(IImBackplane backplane, ImHelperOptions? options = null, ILogger<ImClient>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(backplane);
        _backplane = backplane;
        _options = options ?? new ImHelperOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.TokenTtl, TimeSpan.Zero, "options.TokenTtl");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.ReceiptTimeout, TimeSpan.Zero, "options.ReceiptTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RedisWaitTimeout, TimeSpan.Zero, "options.RedisWaitTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.NodeListMaxAge, TimeSpan.Zero, "options.NodeListMaxAge");
        ArgumentNullException.ThrowIfNull(_options.JsonSerializerOptions, "options.JsonSerializerOptions");
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        // The queue's instruments exist from the start, so /metrics shows them at 0 before the first direct message.
        ImMetrics.EnsureCreated();
        ReceiptTopic = ImTopics.Receipts(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
    }

    /// <summary>This instance's receipt topic; nodes publish <c>ReceiptReport</c>s there.</summary>
    internal string ReceiptTopic { get; }

    /// <summary>
    /// Issues a connect URL for <paramref name="clientId"/> — FreeIM's <c>PrevConnectServer</c>. Call it after your
    /// own authentication and hand the URL to the client, which opens a WebSocket to it within
    /// <see cref="ImHelperOptions.TokenTtl"/>. The URL names the node that owns the client id
    /// (<c>ws://node:6001/ws?token=…</c>) and its token works once, only on that node.
    /// </summary>
    /// <param name="clientId">Who connects: 1–256 characters.</param>
    /// <param name="clientMetaData">Anything you want back in that client's online/offline events (e.g. a display name).</param>
    /// <param name="cancellationToken">Cancels the backplane calls.</param>
    /// <returns>The WebSocket URL, ws:// or wss:// as the node advertises.</returns>
    /// <exception cref="ArgumentException">The client id is empty or longer than 256 characters.</exception>
    /// <exception cref="InvalidOperationException">No node is live (or none of <see cref="ImHelperOptions.Servers"/> is).</exception>
    public Task<string> PrevConnectServerAsync(string clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => IssueConnectUrlAsync(clientId, clientMetaData, rights: null, cancellationToken);

    private async Task<string> IssueConnectUrlAsync(string clientId, string? clientMetaData, IReadOnlyList<string>? rights, CancellationToken cancellationToken)
    {
        ValidateClientId(clientId);
        var nodes = SkipDraining(FilterServers(await GetRoutingNodesAsync(cancellationToken).ConfigureAwait(false)));
        var node = NodeRouter.Pick(clientId, nodes, static n => n.Id);
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var ticket = new ConnectTicket(clientId, clientMetaData, node.Id, _time.GetUtcNow().ToUnixTimeMilliseconds(), rights);
        // Stored under a fresh random token: storing it twice is harmless.
        await WhileRedisWaitsAsync(ct => _backplane.StoreTicketAsync(token, ticket, _options.TokenTtl, ct), cancellationToken, idempotent: true).ConfigureAwait(false);
        ImClientLog.TicketIssued(_logger, clientId, node.Id);
        return $"{node.Url.TrimEnd('/')}/ws?token={token}";
    }

    /// <summary>Issues a connect URL for a numeric client id (FreeIM's <c>long</c> ids); the id becomes <c>clientId.ToString()</c>.</summary>
    public Task<string> PrevConnectServerAsync(long clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => PrevConnectServerAsync(clientId.ToString(System.Globalization.CultureInfo.InvariantCulture), clientMetaData, cancellationToken);

    /// <summary>Issues a connect URL for a <see cref="Guid"/> client id; the id becomes <c>clientId.ToString()</c> (36 characters, lower case).</summary>
    public Task<string> PrevConnectServerAsync(Guid clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => PrevConnectServerAsync(clientId.ToString(), clientMetaData, cancellationToken);

    /// <summary>
    /// The live relay nodes (ordered by id) with their URLs, connection counts and live figures
    /// (<see cref="NodeInfo.Stats"/>) at their last heartbeat. Always read from the backplane, never from the cache
    /// connect URLs route with (<see cref="ImHelperOptions.NodeListMaxAge"/>); the fresh list also refreshes that cache.
    /// </summary>
    public Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken cancellationToken = default) =>
        ReadNodesAsync(Interlocked.Read(ref _nodesVersion), cancellationToken);

    /// <summary>Stops delivering events and receipts to this instance. The backplane is not disposed (it is shared).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _disposing.CancelAsync().ConfigureAwait(false);
        await StopReceiptsAsync().ConfigureAwait(false);
        await StopEventsAsync().ConfigureAwait(false);
        await StopClientEventsAsync().ConfigureAwait(false);
        await StopNodeChangesAsync().ConfigureAwait(false);
    }

    private IReadOnlyList<NodeInfo> FilterServers(IReadOnlyList<NodeInfo> live)
    {
        var servers = _options.Servers;
        if (servers is null || servers.Length == 0) return live;
        var allowed = new List<NodeInfo>(live.Count);
        foreach (var node in live)
        {
            if (IsListed(node, servers)) allowed.Add(node);
        }
        if (allowed.Count == 0)
        {
            throw new InvalidOperationException(
                $"None of the ImHelper:Servers ({string.Join(", ", servers)}) is a live node. " +
                $"Live nodes: {(live.Count == 0 ? "none" : string.Join(", ", live.Select(n => $"{n.Id} ({n.Url})")))}.");
        }
        return allowed;
    }

    /// <summary>
    /// Routes around draining nodes (they are handing their clients to the others); when every node drains, routing
    /// over all of them is better than refusing to issue a URL.
    /// </summary>
    private static IReadOnlyList<NodeInfo> SkipDraining(IReadOnlyList<NodeInfo> nodes)
    {
        var draining = 0;
        foreach (var node in nodes)
        {
            if (node.Draining) draining++;
        }
        if (draining == 0 || draining == nodes.Count) return nodes;
        var routable = new List<NodeInfo>(nodes.Count - draining);
        foreach (var node in nodes)
        {
            if (!node.Draining) routable.Add(node);
        }
        return routable;
    }

    private static bool IsListed(NodeInfo node, string[] servers)
    {
        foreach (var server in servers)
        {
            if (string.IsNullOrWhiteSpace(server)) continue;
            var entry = server.Trim().TrimEnd('/');
            if (string.Equals(entry, node.Id, StringComparison.Ordinal)) return true;
            if (string.Equals(entry, node.Url.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static void ValidateClientId(string clientId, string paramName = "clientId")
    {
        ArgumentNullException.ThrowIfNull(clientId, paramName);
        if (clientId.Length == 0) throw new ArgumentException("A client id must not be empty.", paramName);
        if (clientId.Length > MaxClientIdLength) throw new ArgumentException($"A client id must be at most {MaxClientIdLength} characters (got {clientId.Length}).", paramName);
    }

    private static void ValidateChan(string chan)
    {
        ArgumentNullException.ThrowIfNull(chan);
        if (chan.Length == 0) throw new ArgumentException("A channel name must not be empty.", nameof(chan));
        if (chan.Length > MaxClientIdLength) throw new ArgumentException($"A channel name must be at most {MaxClientIdLength} characters (got {chan.Length}).", nameof(chan));
    }

    /// <summary>Validates and de-duplicates client ids, keeping first-seen order.</summary>
    private static List<string> DistinctClientIds(IEnumerable<string> clientIds, string paramName)
    {
        ArgumentNullException.ThrowIfNull(clientIds, paramName);
        var list = new List<string>(clientIds.TryGetNonEnumeratedCount(out var count) ? count : 4);
        HashSet<string>? seen = null;
        // A list (the common case: one receiver, or an array) by index: no enumerator to allocate.
        if (clientIds is IReadOnlyList<string> given)
        {
            for (var i = 0; i < given.Count; i++) AddDistinct(list, ref seen, given[i], paramName);
        }
        else
        {
            foreach (var clientId in clientIds) AddDistinct(list, ref seen, clientId, paramName);
        }
        return list;
    }

    private static void AddDistinct(List<string> list, ref HashSet<string>? seen, string clientId, string paramName)
    {
        ValidateClientId(clientId, paramName);
        // A few receivers are compared one by one; a set only for more.
        if (seen is null && list.Count == 8) seen = new HashSet<string>(list, StringComparer.Ordinal);
        // List<string>.Contains compares ordinally, as the set does.
        if (seen is null ? !list.Contains(clientId) : seen.Add(clientId)) list.Add(clientId);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
