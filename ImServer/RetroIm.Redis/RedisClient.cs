using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

/// <summary>
/// A pipelined Redis client: many commands in flight on each connection, replies matched in order, writes coalesced
/// so a burst of commands costs a few socket writes. <see cref="RedisOptions.PoolSize"/> connections are used
/// round-robin. Connects lazily and reconnects after a failure; thread-safe; create one and share it.
/// </summary>
/// <remarks>
/// Commands that depend on connection state (MULTI/EXEC, WATCH, SELECT, blocking pops on a shared pool) do not fit a
/// shared multiplexed connection; use Lua scripts (<see cref="EvalAsync"/>) for atomic multi-key work.
/// </remarks>
public sealed partial class RedisClient : IAsyncDisposable
{
    private readonly RedisLink[] _links;
    private readonly ILogger _logger;
    private uint _next;
    private int _disposed;

    /// <summary>Creates a client; no connection is opened until the first command.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public RedisClient(RedisOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _links = new RedisLink[options.PoolSize];
        for (var i = 0; i < _links.Length; i++)
        {
            _links[i] = new RedisLink(options, _logger);
        }
    }

    /// <summary>The options this client was created with.</summary>
    public RedisOptions Options { get; }

    /// <summary>True while at least one pooled connection is open.</summary>
    public bool IsConnected
    {
        get
        {
            foreach (var link in _links)
            {
                if (link.IsConnected)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Socket flushes of the current connections, summed; lets tests check that bursts are coalesced.</summary>
    internal long FlushCount
    {
        get
        {
            long total = 0;
            foreach (var link in _links)
            {
                total += link.FlushCount;
            }

            return total;
        }
    }

    /// <summary>Creates a client and opens every pooled connection (each answers PING) before returning.</summary>
    /// <exception cref="RedisConnectionException">Redis is unreachable or refused the handshake (e.g. a wrong password).</exception>
    public static async Task<RedisClient> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var client = new RedisClient(options, logger);
        try
        {
            var pings = new Task<RespValue>[client._links.Length];
            for (var i = 0; i < pings.Length; i++)
            {
                pings[i] = client.ExecuteOnAsync(client._links[i], "PING", [], cancellationToken);
            }

            await Task.WhenAll(pings).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a command, e.g. <c>ExecuteAsync("SET", key, value)</c> or <c>ExecuteAsync("CLIENT PAUSE", 100)</c>.</summary>
    /// <inheritdoc cref="ExecuteAsync(string, IReadOnlyList{RedisArg}, CancellationToken)"/>
    public Task<RespValue> ExecuteAsync(string command, params RedisArg[] args) =>
        ExecuteAsync(command, args, CancellationToken.None);

    /// <summary>
    /// Runs a command and returns its reply. A command name with spaces is sent word by word (<c>"SCRIPT FLUSH"</c>).
    /// </summary>
    /// <exception cref="RedisServerException">Redis answered with an error reply.</exception>
    /// <exception cref="RedisTimeoutException">No reply within <see cref="RedisOptions.CommandTimeout"/>.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable, or the connection broke before the reply arrived.</exception>
    public Task<RespValue> ExecuteAsync(string command, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken)
        => ExecuteOnAsync(NextLink(), command, args, cancellationToken);

    /// <summary>The pooled connection for the next command: round-robin (the unsigned counter stays non-negative when it wraps).</summary>
    private RedisLink NextLink() => _links[_links.Length == 1 ? 0 : Interlocked.Increment(ref _next) % (uint)_links.Length];

    /// <summary>Closes every connection; commands still waiting fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var link in _links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RespValue> ExecuteOnAsync(RedisLink link, string command, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken)
    {
        // Async, so a disposed client, a bad argument or a cancelled token fault the task instead of throwing at the call.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValidateCommand(command, args);
        cancellationToken.ThrowIfCancellationRequested();
        return await SendAsync(link, new PendingCommand(command, args), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands the command to the connection (before the first await), then waits for its reply within the timeout.</summary>
    private async Task<RespValue> SendAsync(RedisLink link, PendingCommand pending, CancellationToken cancellationToken)
    {
        link.Send(pending);
        RespValue reply;
        try
        {
            reply = await pending.Task.WaitAsync(Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            pending.Abandon();
            throw new RedisTimeoutException(
                $"Redis at {Options.Endpoint} did not answer {pending.Command} within {Options.CommandTimeout.TotalMilliseconds:0} ms.");
        }
        catch (OperationCanceledException)
        {
            pending.Abandon();
            throw;
        }

        if (reply.IsError)
        {
            throw new RedisServerException(reply.AsString()!);
        }

        return reply;
    }

    private static void ValidateCommand(string command, IReadOnlyList<RedisArg> args)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].IsMissing)
            {
                throw new ArgumentException($"Argument {i} of {command} is null.", nameof(args));
            }
        }
    }
}
