using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    public Task AddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default) =>
        ChangeMembersAsync(RedisScripts.AddChanMembers, chan, clientIds, cancellationToken);

    public async Task<ChanJoinRefusal?> TryAddChanMembersAsync(string chan, IReadOnlyList<string> clientIds, int maxChansPerClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(clientIds);
        if (clientIds.Count == 0) return null;
        var args = new RedisArg[3 + clientIds.Count];
        args[0] = chan;
        args[1] = _keys.ClientChansPrefix;
        args[2] = Math.Max(0, maxChansPerClient);
        for (var i = 0; i < clientIds.Count; i++) args[3 + i] = clientIds[i] ?? throw new ArgumentNullException(nameof(clientIds), "A clientId is null.");
        var reply = await _client.EvalAsync(RedisScripts.AddChanMembersWithinLimit, [_keys.Chans, _keys.ChanMembers(chan)], args, cancellationToken).ConfigureAwait(false);
        return reply.Type == RespType.Array && reply.Items.Count == 2
            ? new ChanJoinRefusal(reply.Items[0].AsString()!, reply.Items[1].AsInt64())
            : null;
    }

    public Task RemoveChanMembersAsync(string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken = default) =>
        ChangeMembersAsync(RedisScripts.RemoveChanMembers, chan, clientIds, cancellationToken);

    public async Task<IReadOnlyList<string>> GetChansAsync(CancellationToken cancellationToken = default) =>
        SortedStrings(await _client.ExecuteAsync("SMEMBERS", [_keys.Chans], cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<string>> GetClientChansAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return SortedStrings(await _client.ExecuteAsync("SMEMBERS", [_keys.ClientChans(clientId)], cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<string>> GetChanMembersAsync(string chan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        return SortedStrings(await _client.ExecuteAsync("SMEMBERS", [_keys.ChanMembers(chan)], cancellationToken).ConfigureAwait(false));
    }

    public async Task<long> GetChanOnlineAsync(string chan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        // Members ∩ online, counted by Redis without sending either set.
        var reply = await _client.ExecuteAsync("SINTERCARD", [2, _keys.ChanMembers(chan), _keys.Online], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    private async Task ChangeMembersAsync(LuaScript script, string chan, IReadOnlyList<string> clientIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(clientIds);
        if (clientIds.Count == 0) return;
        var args = new RedisArg[2 + clientIds.Count];
        args[0] = chan;
        args[1] = _keys.ClientChansPrefix;
        for (var i = 0; i < clientIds.Count; i++) args[2 + i] = clientIds[i] ?? throw new ArgumentNullException(nameof(clientIds), "A clientId is null.");
        await _client.EvalAsync(script, [_keys.Chans, _keys.ChanMembers(chan)], args, cancellationToken).ConfigureAwait(false);
    }
}
