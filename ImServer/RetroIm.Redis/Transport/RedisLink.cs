using Microsoft.Extensions.Logging;

namespace RetroIm.Redis.Transport;

/// <summary>
/// One slot of the client's pool: holds at most one live <see cref="RedisConnection"/> and opens a new one, lazily,
/// when a command arrives and the last one is gone. Commands sent while connecting wait in call order and go out
/// first on the new connection, so issue order is send order even across a reconnect. After a failed attempt the
/// next one waits a short, growing backoff so a dead server is not hammered.
/// </summary>
internal sealed class RedisLink : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();

    // Guarded by _sync.
    private readonly Lock _sync = new();
    private readonly List<PendingCommand> _waiting = [];
    private RedisConnection? _connection;
    private Task? _connecting;
    private TimeSpan _backoff;
    private long _nextAttemptAt;

    public RedisLink(RedisOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public bool IsConnected => Volatile.Read(ref _connection) is { IsAlive: true };

    /// <summary>Flushes of the current connection (see <see cref="RedisConnection.FlushCount"/>).</summary>
    public long FlushCount => Volatile.Read(ref _connection)?.FlushCount ?? 0;

    /// <summary>
    /// Queues the command on the live connection, or parks it until a connection is open (starting one if needed).
    /// The outcome, including a failed connect, arrives through the command's task.
    /// </summary>
    public void Send(PendingCommand command)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null && connection.TryEnqueue(command))
        {
            return;
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, typeof(RedisClient));

            // Checked again under the lock: a connect that just finished has flushed the parked commands already.
            if (_connection is { } current && current.TryEnqueue(command))
            {
                return;
            }

            _waiting.Add(command);
            if (_connecting is null || _connecting.IsCompleted)
            {
                _connecting = Task.Run(ConnectAsync, CancellationToken.None); // never connect while holding the lock
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        RedisConnection? connection;
        Task? connecting;
        PendingCommand[] waiting;
        lock (_sync)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            connection = _connection;
            _connection = null;
            connecting = _connecting;
            waiting = [.. _waiting];
            _waiting.Clear();
        }

        foreach (var command in waiting)
        {
            command.TrySetException(new ObjectDisposedException(nameof(RedisClient)));
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        if (connecting is not null)
        {
            await connecting.ConfigureAwait(false); // never throws; closes what it opened once it sees the cancellation
        }
    }

    /// <summary>One connect attempt; hands parked commands to the new connection or fails them. Never throws.</summary>
    private async Task ConnectAsync()
    {
        var token = _disposed.Token;
        RedisConnection? connection = null;
        Exception? error = null;
        try
        {
            var wait = Volatile.Read(ref _nextAttemptAt) - Environment.TickCount64;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), token).ConfigureAwait(false);
            }

            connection = await RedisConnection.ConnectAsync(_options, _logger, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return; // disposed: DisposeAsync failed the parked commands
        }
        catch (RedisConnectionException ex)
        {
            error = ex;
        }

        PendingCommand[] parked;
        RedisConnection? previous = null;
        lock (_sync)
        {
            parked = [.. _waiting];
            _waiting.Clear();
            if (connection is not null && !token.IsCancellationRequested)
            {
                // Parked commands go first, then the connection is published: later callers queue behind them.
                foreach (var command in parked)
                {
                    if (!connection.TryEnqueue(command))
                    {
                        command.TrySetException(new RedisConnectionException($"The new connection to Redis at {_options.Endpoint} broke at once."));
                    }
                }

                parked = [];
                previous = _connection;
                _connection = connection;
                _backoff = TimeSpan.Zero;
                connection = null;
            }
            else if (error is not null)
            {
                _backoff = _backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
                Volatile.Write(ref _nextAttemptAt, Environment.TickCount64 + (long)_backoff.TotalMilliseconds);
            }
        }

        if (error is not null)
        {
            RedisLog.ConnectFailed(_logger, _options.Endpoint, (long)_backoff.TotalMilliseconds, error);
            foreach (var command in parked)
            {
                command.TrySetException(new RedisConnectionException(error.Message, error.InnerException));
            }
        }

        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false); // opened after dispose began
        }
    }
}
