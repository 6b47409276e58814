using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace RetroIm.Redis.Transport;

/// <summary>
/// One multiplexed connection: any number of callers queue commands, a write loop sends whatever is queued with a
/// single flush, and a read loop completes the written commands in FIFO order as replies arrive. Once broken it
/// stays broken (every pending command fails); <see cref="RedisLink"/> replaces it.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly RedisTransport _transport;
    private readonly ILogger _logger;
    private readonly Channel<PendingCommand> _queue = Channel.CreateUnbounded<PendingCommand>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    // Written commands awaiting replies, oldest first. Guarded by itself; _closed flips under the same lock so a
    // command is either in the queue when the connection breaks (and gets failed) or never enters it.
    private readonly Queue<PendingCommand> _pending = new();
    private bool _closed;
    private int _failed;
    private long _flushCount;
    private Task _writeLoop = Task.CompletedTask;
    private Task _readLoop = Task.CompletedTask;

    private RedisConnection(RedisTransport transport, ILogger logger)
    {
        _transport = transport;
        _logger = logger;
    }

    /// <summary>False once the connection broke or was disposed.</summary>
    public bool IsAlive => Volatile.Read(ref _failed) == 0;

    /// <summary><c>host:port</c>.</summary>
    public string Endpoint => _transport.Endpoint;

    /// <summary>Socket flushes so far; tests use it to see that bursts are coalesced.</summary>
    public long FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>Opens a transport (with handshake) and starts the loops.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var transport = await RedisTransport.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        var connection = new RedisConnection(transport, logger);
        connection._writeLoop = Task.Run(connection.WriteLoopAsync, CancellationToken.None);
        connection._readLoop = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
        RedisLog.Connected(logger, transport.Endpoint);
        return connection;
    }

    /// <summary>Queues a command for the write loop; false when the connection is already broken.</summary>
    public bool TryEnqueue(PendingCommand command) => _queue.Writer.TryWrite(command);

    /// <summary>Breaks the connection (pending commands fail with <see cref="ObjectDisposedException"/>) and waits for the loops.</summary>
    public async ValueTask DisposeAsync()
    {
        Fail(null, disposing: true);
        await Task.WhenAll(_writeLoop, _readLoop).ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Marks the connection broken once: no more commands are accepted, every queued or pending one fails, and the
    /// socket is aborted so both loops end.
    /// </summary>
    private void Fail(Exception? reason, bool disposing = false)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        PendingCommand[] pending;
        lock (_pending)
        {
            _closed = true;
            pending = _pending.ToArray();
            _pending.Clear();
        }

        var failed = pending.Length;
        foreach (var command in pending)
        {
            FailCommand(command, reason, disposing);
        }

        while (_queue.Reader.TryRead(out var queued))
        {
            FailCommand(queued, reason, disposing);
            failed++;
        }

        _transport.Abort();
        if (!disposing)
        {
            RedisLog.ConnectionLost(_logger, Endpoint, failed, reason);
        }
    }

    private void FailCommand(PendingCommand command, Exception? reason, bool disposing)
    {
        // A fresh exception per command: one instance thrown on many threads would get its stack trace mangled.
        command.TrySetException(disposing
            ? new ObjectDisposedException(nameof(RedisClient), "The Redis client was disposed before the reply arrived.")
            : new RedisConnectionException(
                $"The connection to Redis at {Endpoint} was lost before the reply to {command.Command} arrived{(reason is null ? "" : ": " + reason.Message)}",
                reason));
    }
}
