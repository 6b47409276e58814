namespace RetroIm.Redis;

public sealed partial class RedisClient
{
    /// <summary>
    /// Runs a Lua script: EVALSHA first, and EVAL with the full source only when Redis answers NOSCRIPT (first use,
    /// after SCRIPT FLUSH or a restart), which also caches it again.
    /// </summary>
    /// <exception cref="RedisServerException">The script failed or returned an error reply.</exception>
    public async Task<RespValue> EvalAsync(LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        var commandArgs = new RedisArg[2 + keys.Count + args.Count];
        commandArgs[0] = script.Sha1Hex;
        commandArgs[1] = keys.Count;
        for (var i = 0; i < keys.Count; i++)
        {
            commandArgs[2 + i] = keys[i];
        }

        for (var i = 0; i < args.Count; i++)
        {
            commandArgs[2 + keys.Count + i] = args[i];
        }

        try
        {
            return await ExecuteAsync("EVALSHA", commandArgs, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            commandArgs[0] = script.Source;
            return await ExecuteAsync("EVAL", commandArgs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes a message; returns how many subscribers (connections) received it.</summary>
    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var reply = await ExecuteAsync("PUBLISH", [channel, payload], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }
}
