using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    /// <summary>
    /// Adds clients to a channel — FreeIM's <c>JoinChan</c>. Membership is yours: it survives disconnects and
    /// reconnects and ends only with <see cref="LeaveChanAsync(string, string[])"/>. When the returned task completes,
    /// the nodes holding the clients' connections have confirmed (within <see cref="ImHelperOptions.ReceiptTimeout"/>)
    /// that they forward the channel, so a channel message sent next reaches them; clients not connected now get the
    /// channel's messages from when they connect. A client may join before it ever connects.
    /// </summary>
    /// <param name="chan">The channel (1–256 characters); it exists while it has members.</param>
    /// <param name="clientIds">The clients to add; members already in it are left as they are.</param>
    /// <exception cref="InvalidOperationException">
    /// A client is already in <see cref="ImHelperOptions.MaxChannelsPerClient"/> other channels; nobody is added.
    /// </exception>
    public Task JoinChanAsync(string chan, params string[] clientIds)
        => JoinChanAsync(chan, (IEnumerable<string>)clientIds, CancellationToken.None);

    /// <summary>Adds clients to a channel; see <see cref="JoinChanAsync(string, string[])"/>.</summary>
    public Task JoinChanAsync(string chan, IEnumerable<string> clientIds, CancellationToken cancellationToken = default)
        => ChangeMembershipAsync(RelayPacketKind.Join, chan, clientIds, cancellationToken);

    /// <summary>
    /// Removes clients from a channel — FreeIM's <c>LeaveChan</c>. Their connections stop receiving the channel's
    /// messages at once. Unknown members are ignored.
    /// </summary>
    /// <param name="chan">The channel.</param>
    /// <param name="clientIds">The clients to remove.</param>
    public Task LeaveChanAsync(string chan, params string[] clientIds)
        => LeaveChanAsync(chan, (IEnumerable<string>)clientIds, CancellationToken.None);

    /// <summary>Removes clients from a channel; see <see cref="LeaveChanAsync(string, string[])"/>.</summary>
    public Task LeaveChanAsync(string chan, IEnumerable<string> clientIds, CancellationToken cancellationToken = default)
        => ChangeMembershipAsync(RelayPacketKind.Leave, chan, clientIds, cancellationToken);

    /// <summary>Every channel with at least one member, with member and online counts — FreeIM's <c>GetChanList</c>.</summary>
    public async Task<IReadOnlyList<ChanInfo>> GetChanListAsync(CancellationToken cancellationToken = default)
    {
        return await WhileRedisWaitsAsync<IReadOnlyList<ChanInfo>>(async ct =>
        {
            var chans = await _backplane.GetChansAsync(ct).ConfigureAwait(false);
            var infos = new Task<ChanInfo>[chans.Count];
            for (var i = 0; i < chans.Count; i++) infos[i] = GetChanInfoAsync(chans[i], ct);
            return await Task.WhenAll(infos).ConfigureAwait(false);
        }, cancellationToken, idempotent: true).ConfigureAwait(false);
    }

    /// <summary>The channels a client is a member of — FreeIM's <c>GetChanListByClientId</c>.</summary>
    public Task<IReadOnlyList<string>> GetChanListByClientIdAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ValidateClientId(clientId);
        return WhileRedisWaitsAsync(ct => _backplane.GetClientChansAsync(clientId, ct), cancellationToken, idempotent: true);
    }

    /// <summary>A channel's members, online or not — FreeIM's <c>GetChanClientList</c>.</summary>
    public Task<IReadOnlyList<string>> GetChanClientListAsync(string chan, CancellationToken cancellationToken = default)
    {
        ValidateChan(chan);
        return WhileRedisWaitsAsync(ct => _backplane.GetChanMembersAsync(chan, ct), cancellationToken, idempotent: true);
    }

    /// <summary>How many of a channel's members are online now — FreeIM's <c>GetChanOnline</c>.</summary>
    public Task<long> GetChanOnlineAsync(string chan, CancellationToken cancellationToken = default)
    {
        ValidateChan(chan);
        return WhileRedisWaitsAsync(ct => _backplane.GetChanOnlineAsync(chan, ct), cancellationToken, idempotent: true);
    }

    private async Task<ChanInfo> GetChanInfoAsync(string chan, CancellationToken cancellationToken)
    {
        var members = _backplane.GetChanMembersAsync(chan, cancellationToken);
        var online = _backplane.GetChanOnlineAsync(chan, cancellationToken);
        return new ChanInfo(chan, (await members.ConfigureAwait(false)).Count, await online.ConfigureAwait(false));
    }

    private async Task ChangeMembershipAsync(RelayPacketKind kind, string chan, IEnumerable<string> clientIds, CancellationToken cancellationToken)
    {
        ValidateChan(chan);
        var members = DistinctClientIds(clientIds, nameof(clientIds));
        if (members.Count == 0) return;
        // Membership first, then tell the nodes: a client connecting meanwhile either reads the new membership when it
        // registers, or is already registered when the packet arrives, so it never misses the change.
        // The channel limit is checked by the backplane atomically with the write: the same check serves clients'
        // own join frames, so neither path can push a client past it.
        if (kind == RelayPacketKind.Join) ThrowIfRefused(chan, await WhileRedisWaitsAsync(ct => _backplane.TryAddChanMembersAsync(chan, members, _options.MaxChannelsPerClient, ct), cancellationToken, idempotent: true).ConfigureAwait(false));
        else await WhileRedisWaitsAsync(ct => _backplane.RemoveChanMembersAsync(chan, members, ct), cancellationToken, idempotent: true).ConfigureAwait(false);
        // Wait for the nodes holding members to confirm their channel subscription, so a channel message sent right
        // after this call returns reaches the members that were connected when it was called.
        var id = MessageIds.New(_time.GetUtcNow());
        await PublishAwaitingReportsAsync(id, members, new RelayHeader(kind, To: members, Chan: chan), default, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfRefused(string chan, ChanJoinRefusal? refusal)
    {
        if (refusal is null) return;
        throw new InvalidOperationException(
            $"Client '{refusal.ClientId}' is already in {refusal.Chans} channels, the limit (ImHelper:MaxChannelsPerClient = {_options.MaxChannelsPerClient}); " +
            $"it was not added to '{chan}', nor were the other clients of this call. Leave a channel first, or raise the limit.");
    }
}
