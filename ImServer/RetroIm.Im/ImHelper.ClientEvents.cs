namespace RetroIm.Im;

public static partial class ImHelper
{
    /// <inheritdoc cref="ImClient.PrevConnectServerAsync(string, string?, IEnumerable{string}?, CancellationToken)"/>
    public static Task<string> PrevConnectServerAsync(string clientId, string? clientMetaData, IEnumerable<string>? rights, CancellationToken cancellationToken = default)
        => Instance.PrevConnectServerAsync(clientId, clientMetaData, rights, cancellationToken);

    /// <inheritdoc cref="ImClient.GrantAsync(string, string, CancellationToken)"/>
    public static Task GrantAsync(string clientId, string right, CancellationToken cancellationToken = default)
        => Instance.GrantAsync(clientId, right, cancellationToken);

    /// <inheritdoc cref="ImClient.GrantAsync(string, IEnumerable{string}, CancellationToken)"/>
    public static Task GrantAsync(string clientId, IEnumerable<string> rights, CancellationToken cancellationToken = default)
        => Instance.GrantAsync(clientId, rights, cancellationToken);

    /// <inheritdoc cref="ImClient.RevokeAsync(string, string, CancellationToken)"/>
    public static Task RevokeAsync(string clientId, string right, CancellationToken cancellationToken = default)
        => Instance.RevokeAsync(clientId, right, cancellationToken);

    /// <inheritdoc cref="ImClient.RevokeAsync(string, IEnumerable{string}, CancellationToken)"/>
    public static Task RevokeAsync(string clientId, IEnumerable<string> rights, CancellationToken cancellationToken = default)
        => Instance.RevokeAsync(clientId, rights, cancellationToken);

    /// <inheritdoc cref="ImClient.OnClientEvent(string, Func{ClientEvent, CancellationToken, Task})"/>
    public static IDisposable OnClientEvent(string eventName, Func<ClientEvent, CancellationToken, Task> handler)
        => Instance.OnClientEvent(eventName, handler);

    /// <inheritdoc cref="ImClient.OnClientEvent(string, Func{ClientEvent, Task})"/>
    public static IDisposable OnClientEvent(string eventName, Func<ClientEvent, Task> handler)
        => Instance.OnClientEvent(eventName, handler);
}
