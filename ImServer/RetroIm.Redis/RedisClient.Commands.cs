using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

public sealed partial class RedisClient
{
    /// <summary>
    /// Runs a Lua script: EVALSHA first, and EVAL with the full source only when Redis answers NOSCRIPT (first use,
    /// after SCRIPT FLUSH or a restart), which also caches it again. The key and argument lists are read when the
    /// command is written, not copied: keep them unchanged until the task completes (as byte arguments).
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
    /// Runs a pipeline's commands back to back on the pool's first connection, in order with
    /// <see cref="EvalInOrderAsync"/> and other calls made one after the other there, and returns one reply per
    /// command. A command Redis rejects is an error reply in the list (<see cref="RespValue.IsError"/>), not an
    /// exception: the others ran. The pipeline is handed to the connection before this method returns (see
    /// <see cref="EvalInOrderAsync"/>).
    /// </summary>
    /// <exception cref="RedisTimeoutException">Not every reply arrived within <see cref="RedisOptions.CommandTimeout"/>.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable, or the connection broke before the last reply arrived (some commands may have run).</exception>
    public async Task<IReadOnlyList<RespValue>> ExecuteInOrderAsync(RedisPipeline pipeline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (pipeline.Count == 0)
        {
            return [];
        }

        return (await SendAsync(_links[0], new PendingCommand(pipeline), cancellationToken).ConfigureAwait(false)).Items;
    }

    /// <summary>
    /// EVAL with the source, or EVALSHA and, when Redis answers NOSCRIPT, EVAL on the same connection (which caches
    /// the script again). The first command is handed to the connection before the first await.
    /// </summary>
    private async Task<RespValue> EvalOnAsync(RedisLink link, LuaScript script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args, bool withSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        if (withSource) return await ExecuteOnAsync(link, "EVAL", new ScriptCommandArgs(script.Source, keys, args), cancellationToken).ConfigureAwait(false);
        try
        {
            return await ExecuteOnAsync(link, "EVALSHA", new ScriptCommandArgs(script.Sha1Hex, keys, args), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            return await ExecuteOnAsync(link, "EVAL", new ScriptCommandArgs(script.Source, keys, args), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// EVAL/EVALSHA arguments: the source or SHA1, the key count, the keys, the arguments — read through from the
    /// caller's lists, not copied (a direct-send batch has hundreds of arguments).
    /// </summary>
    private sealed class ScriptCommandArgs(string script, IReadOnlyList<RedisArg> keys, IReadOnlyList<RedisArg> args) : IReadOnlyList<RedisArg>
    {
        public int Count => 2 + keys.Count + args.Count;

        public RedisArg this[int index]
        {
            get
            {
                if (index >= 2 + keys.Count) return args[index - 2 - keys.Count];
                if (index >= 2) return keys[index - 2];
                return index switch
                {
                    0 => script,
                    1 => keys.Count,
                    _ => throw new ArgumentOutOfRangeException(nameof(index)),
                };
            }
        }

        public IEnumerator<RedisArg> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Publishes a message; returns how many subscribers (connections) received it.</summary>
    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var reply = await ExecuteAsync("PUBLISH", [channel, payload], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }
}
