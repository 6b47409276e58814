using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

public sealed partial class RedisClient
{
    /// <summary>
    /// Runs a Lua script: EVALSHA first, and EVAL with the full source only when Redis answers NOSCRIPT (first use,
    /// after SCRIPT FLUSH or a restart), which also caches it again.
    /// </summary>
    /// <exception cref="RedisServerException">The script failed or returned an error reply.</exception>
    public Task<RespValue> EvalAsync(LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken = default) =>
        EvalOnAsync(NextLink(), script, keys, args, withSource: false, cancellationToken);

    /// <summary>
    /// Runs a Lua script on the pool's first connection, so calls made one after the other (not concurrently) run in
    /// Redis in that order even when several are in flight, as commands of one connection do. With
    /// <paramref name="withSource"/> it is one EVAL carrying the full source: Redis never answers NOSCRIPT, so no
    /// retry can land behind a later call, at the cost of a SHA1 of the source in Redis per call. Without it, EVALSHA
    /// and EVAL when Redis answers NOSCRIPT, as <see cref="EvalAsync"/>: the caller must not issue the next call
    /// before this one has completed, or the retry could run after it.
    /// </summary>
    /// <remarks>
    /// The command is handed to the connection before this method returns (its first await), which is what "one
    /// after the other" means: a caller that starts calls in order under its own lock gets them run in that order.
    /// </remarks>
    /// <exception cref="RedisServerException">The script failed or returned an error reply.</exception>
    public Task<RespValue> EvalInOrderAsync(LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, bool withSource, CancellationToken cancellationToken = default) =>
        EvalOnAsync(_links[0], script, keys, args, withSource, cancellationToken);

    /// <summary>
    /// EVAL with the source, or EVALSHA and, when Redis answers NOSCRIPT, EVAL on the same connection (which caches
    /// the script again). The first command is handed to the connection before the first await.
    /// </summary>
    private async Task<RespValue> EvalOnAsync(RedisLink link, LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, bool withSource, CancellationToken cancellationToken)
    {
        var commandArgs = ScriptArgs(script, keys, args, withSource);
        if (withSource) return await ExecuteOnAsync(link, "EVAL", commandArgs, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ExecuteOnAsync(link, "EVALSHA", commandArgs, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            commandArgs[0] = script.Source;
            return await ExecuteOnAsync(link, "EVAL", commandArgs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>EVAL/EVALSHA arguments: the source or SHA1, the key count, the keys, the arguments.</summary>
    private static RedisArg[] ScriptArgs(LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, bool withSource)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        var commandArgs = new RedisArg[2 + keys.Count + args.Count];
        commandArgs[0] = withSource ? script.Source : script.Sha1Hex;
        commandArgs[1] = keys.Count;
        for (var i = 0; i < keys.Count; i++)
        {
            commandArgs[2 + i] = keys[i];
        }

        for (var i = 0; i < args.Count; i++)
        {
            commandArgs[2 + keys.Count + i] = args[i];
        }

        return commandArgs;
    }

    /// <summary>Publishes a message; returns how many subscribers (connections) received it.</summary>
    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var reply = await ExecuteAsync("PUBLISH", [channel, payload], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }
}
