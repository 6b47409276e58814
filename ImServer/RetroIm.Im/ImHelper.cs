using RetroIm.Im.Backplane;

namespace RetroIm.Im;

/// <summary>
/// FreeIM's static <c>ImHelper</c>: the same calls as <see cref="ImClient"/>, on one process-wide instance. Call
/// <see cref="Initialization"/> once at start-up, for example
/// <c>ImHelper.Initialization(app.Services.GetRequiredService&lt;ImClient&gt;());</c> after
/// <see cref="ImHelperServiceCollectionExtensions.AddImHelper"/>. Code that can take an <see cref="ImClient"/> by
/// dependency injection should prefer that.
/// </summary>
public static partial class ImHelper
{
    private static volatile ImClient? s_instance;

    /// <summary>Sets the instance every static method uses. Calling it again replaces the instance.</summary>
    public static void Initialization(ImClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        s_instance = client;
    }

    /// <summary>Forgets the instance (tests).</summary>
    internal static void Reset() => s_instance = null;

    /// <summary>The instance set by <see cref="Initialization"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Initialization"/> has not been called.</exception>
    public static ImClient Instance => s_instance ?? throw new InvalidOperationException(
        "ImHelper is not initialised: call ImHelper.Initialization(imClient) at start-up, e.g. " +
        "ImHelper.Initialization(app.Services.GetRequiredService<ImClient>()) after services.AddImHelper(...).");

    /// <inheritdoc cref="ImClient.PrevConnectServerAsync(string, string?, CancellationToken)"/>
    public static Task<string> PrevConnectServerAsync(string clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => Instance.PrevConnectServerAsync(clientId, clientMetaData, cancellationToken);

    /// <inheritdoc cref="ImClient.PrevConnectServerAsync(long, string?, CancellationToken)"/>
    public static Task<string> PrevConnectServerAsync(long clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => Instance.PrevConnectServerAsync(clientId, clientMetaData, cancellationToken);

    /// <inheritdoc cref="ImClient.PrevConnectServerAsync(Guid, string?, CancellationToken)"/>
    public static Task<string> PrevConnectServerAsync(Guid clientId, string? clientMetaData = null, CancellationToken cancellationToken = default)
        => Instance.PrevConnectServerAsync(clientId, clientMetaData, cancellationToken);

    /// <inheritdoc cref="ImClient.SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>
    public static Task<SendReceipt?> SendMessageAsync(string? senderClientId, IEnumerable<string> receiverClientIds, object? message, bool receipt = false, CancellationToken cancellationToken = default)
        => Instance.SendMessageAsync(senderClientId, receiverClientIds, message, receipt, cancellationToken);

    /// <inheritdoc cref="ImClient.SendMessageAsync(string?, string, object?, bool, CancellationToken)"/>
    public static Task<SendReceipt?> SendMessageAsync(string? senderClientId, string receiverClientId, object? message, bool receipt = false, CancellationToken cancellationToken = default)
        => Instance.SendMessageAsync(senderClientId, receiverClientId, message, receipt, cancellationToken);

    /// <inheritdoc cref="ImClient.SendEphemeralMessageAsync(string?, IEnumerable{string}, object?, CancellationToken)"/>
    public static Task SendEphemeralMessageAsync(string? senderClientId, IEnumerable<string> receiverClientIds, object? message, CancellationToken cancellationToken = default)
        => Instance.SendEphemeralMessageAsync(senderClientId, receiverClientIds, message, cancellationToken);

    /// <inheritdoc cref="ImClient.SendEphemeralMessageAsync(string?, string, object?, CancellationToken)"/>
    public static Task SendEphemeralMessageAsync(string? senderClientId, string receiverClientId, object? message, CancellationToken cancellationToken = default)
        => Instance.SendEphemeralMessageAsync(senderClientId, receiverClientId, message, cancellationToken);

    /// <inheritdoc cref="ImClient.SendChanMessageAsync"/>
    public static Task SendChanMessageAsync(string? senderClientId, string chan, object? message, CancellationToken cancellationToken = default)
        => Instance.SendChanMessageAsync(senderClientId, chan, message, cancellationToken);

    /// <inheritdoc cref="ImClient.SendBroadcastMessageAsync"/>
    public static Task SendBroadcastMessageAsync(object? message, CancellationToken cancellationToken = default)
        => Instance.SendBroadcastMessageAsync(message, cancellationToken);

    /// <inheritdoc cref="ImClient.JoinChanAsync(string, string[])"/>
    public static Task JoinChanAsync(string chan, params string[] clientIds) => Instance.JoinChanAsync(chan, clientIds);

    /// <inheritdoc cref="ImClient.JoinChanAsync(string, IEnumerable{string}, CancellationToken)"/>
    public static Task JoinChanAsync(string chan, IEnumerable<string> clientIds, CancellationToken cancellationToken = default)
        => Instance.JoinChanAsync(chan, clientIds, cancellationToken);

    /// <inheritdoc cref="ImClient.LeaveChanAsync(string, string[])"/>
    public static Task LeaveChanAsync(string chan, params string[] clientIds) => Instance.LeaveChanAsync(chan, clientIds);

    /// <inheritdoc cref="ImClient.LeaveChanAsync(string, IEnumerable{string}, CancellationToken)"/>
    public static Task LeaveChanAsync(string chan, IEnumerable<string> clientIds, CancellationToken cancellationToken = default)
        => Instance.LeaveChanAsync(chan, clientIds, cancellationToken);

    /// <inheritdoc cref="ImClient.GetChanListAsync"/>
    public static Task<IReadOnlyList<ChanInfo>> GetChanListAsync(CancellationToken cancellationToken = default)
        => Instance.GetChanListAsync(cancellationToken);

    /// <inheritdoc cref="ImClient.GetChanListByClientIdAsync"/>
    public static Task<IReadOnlyList<string>> GetChanListByClientIdAsync(string clientId, CancellationToken cancellationToken = default)
        => Instance.GetChanListByClientIdAsync(clientId, cancellationToken);

    /// <inheritdoc cref="ImClient.GetChanClientListAsync"/>
    public static Task<IReadOnlyList<string>> GetChanClientListAsync(string chan, CancellationToken cancellationToken = default)
        => Instance.GetChanClientListAsync(chan, cancellationToken);

    /// <inheritdoc cref="ImClient.GetChanOnlineAsync"/>
    public static Task<long> GetChanOnlineAsync(string chan, CancellationToken cancellationToken = default)
        => Instance.GetChanOnlineAsync(chan, cancellationToken);

    /// <inheritdoc cref="ImClient.HasOnlineAsync"/>
    public static Task<bool> HasOnlineAsync(string clientId, CancellationToken cancellationToken = default)
        => Instance.HasOnlineAsync(clientId, cancellationToken);

    /// <inheritdoc cref="ImClient.GetClientListByOnlineAsync"/>
    public static Task<IReadOnlyList<string>> GetClientListByOnlineAsync(CancellationToken cancellationToken = default)
        => Instance.GetClientListByOnlineAsync(cancellationToken);

    /// <inheritdoc cref="ImClient.ForceOfflineAsync"/>
    public static Task ForceOfflineAsync(string clientId, CancellationToken cancellationToken = default)
        => Instance.ForceOfflineAsync(clientId, cancellationToken);

    /// <inheritdoc cref="ImClient.GetNodesAsync"/>
    public static Task<IReadOnlyList<NodeInfo>> GetNodesAsync(CancellationToken cancellationToken = default)
        => Instance.GetNodesAsync(cancellationToken);

    /// <inheritdoc cref="ImClient.WhoAsync"/>
    public static Task<IReadOnlyDictionary<string, long>> WhoAsync(string clientId, CancellationToken cancellationToken = default)
        => Instance.WhoAsync(clientId, cancellationToken);

    /// <inheritdoc cref="ImClient.Online"/>
    public static event Action<PresenceEvent>? Online
    {
        add => Instance.Online += value;
        remove => Instance.Online -= value;
    }

    /// <inheritdoc cref="ImClient.Offline"/>
    public static event Action<PresenceEvent>? Offline
    {
        add => Instance.Offline += value;
        remove => Instance.Offline -= value;
    }

    /// <inheritdoc cref="ImClient.EventBus"/>
    public static void EventBus(Action<PresenceEvent> online, Action<PresenceEvent> offline) => Instance.EventBus(online, offline);

    /// <inheritdoc cref="ImClient.ReadEventsAsync"/>
    public static IAsyncEnumerable<PresenceEvent> ReadEventsAsync(CancellationToken cancellationToken = default)
        => Instance.ReadEventsAsync(cancellationToken);
}
