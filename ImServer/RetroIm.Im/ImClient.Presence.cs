using RetroIm.Im.Protocol;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    /// <summary>Whether a client has at least one live connection on any node — FreeIM's <c>HasOnline</c>.</summary>
    public Task<bool> HasOnlineAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ValidateClientId(clientId);
        return WhileRedisWaitsAsync(ct => _backplane.IsOnlineAsync(clientId, ct), cancellationToken, idempotent: true);
    }

    /// <summary>Every client with at least one live connection — FreeIM's <c>GetClientListByOnline</c>.</summary>
    public Task<IReadOnlyList<string>> GetClientListByOnlineAsync(CancellationToken cancellationToken = default)
        => WhileRedisWaitsAsync(_backplane.GetOnlineClientsAsync, cancellationToken, idempotent: true);

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
        // Kicking twice closes nothing more: safe to retry.
        await WhileRedisWaitsAsync(ct => _backplane.PublishToClientsAsync(to, packet, ct), cancellationToken, idempotent: true).ConfigureAwait(false);
    }
}
