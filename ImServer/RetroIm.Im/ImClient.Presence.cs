using RetroIm.Im.Protocol;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    /// <summary>Whether a client has at least one live connection on any node — FreeIM's <c>HasOnline</c>.</summary>
    public Task<bool> HasOnlineAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ValidateClientId(clientId);
        return _backplane.IsOnlineAsync(clientId, cancellationToken);
    }

    /// <summary>Every client with at least one live connection — FreeIM's <c>GetClientListByOnline</c>.</summary>
    public Task<IReadOnlyList<string>> GetClientListByOnlineAsync(CancellationToken cancellationToken = default)
        => _backplane.GetOnlineClientsAsync(cancellationToken);

    /// <summary>
    /// Closes every connection of a client on every node — FreeIM's <c>ForceOffline</c>. The client sees close code
    /// 4001 (kicked), which tells client SDKs not to reconnect by themselves; an offline event follows once its last
    /// connection is gone. Its channel memberships stay (use <see cref="LeaveChanAsync(string, string[])"/> to end them).
    /// Connect URLs already issued are not revoked: stop issuing new ones for the client in your own code.
    /// </summary>
    public async Task ForceOfflineAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ValidateClientId(clientId);
        string[] to = [clientId];
        var packet = RelayPacket.Write(new RelayHeader(RelayPacketKind.Kick, To: to));
        await _backplane.PublishToClientsAsync(to, packet, cancellationToken).ConfigureAwait(false);
    }
}
