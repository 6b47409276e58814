using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RetroIm.Redis.Transport;

namespace RetroIm.Redis;

/// <summary>
/// Pub/sub on a dedicated connection. Handlers stay registered across connection losses: after a loss the subscriber
/// reconnects with backoff (100 ms doubling to 2 s), resubscribes every registered channel, and only then reports
/// <see cref="ConnectionChanged"/>(true). Messages published while disconnected are lost (Redis pub/sub is at-most-once).
/// </summary>
public sealed partial class RedisSubscriber : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RedisMessageHandler> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Everything below is guarded by _sync.
    private readonly Lock _sync = new();
    private readonly Dictionary<string, TaskCompletionSource> _subscribeWaiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _unsubscribeWaiters = new(StringComparer.Ordinal);
    private RedisTransport? _transport;
    private HashSet<string>? _awaitingResubscribe;
    private bool _isConnected;
    private Task? _run;

    /// <summary>Creates a subscriber; it connects on the first <see cref="SubscribeAsync"/>.</summary>
    public RedisSubscriber(RedisOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Raised with false when the connection is lost, and with true once connected and every registered channel is
    /// subscribed again. Runs on the read loop: keep handlers short; exceptions are logged.
    /// </summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>
    /// Raised on the read loop after the messages of one read from Redis (the ones that arrived together) were all
    /// handed to their handlers, before it waits for more: a handler may hold work back until then to treat a burst as
    /// one. Raised even when a handler failed or the read ended the connection; exceptions are logged.
    /// </summary>
    public event Action? BurstDelivered;

    /// <summary>True while connected with every registered channel confirmed.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_sync)
            {
                return _isConnected;
            }
        }
    }

    /// <summary>
    /// Registers <paramref name="handler"/> for <paramref name="channel"/> at once (replacing an earlier one; kept across
    /// reconnects) and completes when Redis confirms the subscription.
    /// </summary>
    /// <exception cref="RedisTimeoutException">
    /// Not confirmed within <see cref="RedisOptions.CommandTimeout"/> (e.g. Redis is down); the handler stays
    /// registered and the channel is subscribed as soon as the connection is back.
    /// </exception>
    public async Task SubscribeAsync(string channel, RedisMessageHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        TaskCompletionSource waiter;
        RedisTransport? transport;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _handlers[channel] = handler;
            waiter = GetWaiter(_subscribeWaiters, channel);
            transport = _transport;
            _run ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }

        // Without a transport the run loop subscribes every registered channel once it connects.
        if (transport is not null)
        {
            await SendAsync(transport, "SUBSCRIBE", [channel]).ConfigureAwait(false);
        }

        await WaitConfirmedAsync(waiter, "SUBSCRIBE", channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the channel's handler and completes when Redis confirms (at once when disconnected).</summary>
    /// <exception cref="RedisTimeoutException">Not confirmed within <see cref="RedisOptions.CommandTimeout"/>; the handler is removed anyway.</exception>
    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        TaskCompletionSource waiter;
        RedisTransport? transport;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            if (!_handlers.TryRemove(channel, out _) || _transport is null)
            {
                return; // not subscribed, or not connected: nothing will be resubscribed
            }

            waiter = GetWaiter(_unsubscribeWaiters, channel);
            transport = _transport;
        }

        await SendAsync(transport, "UNSUBSCRIBE", [channel]).ConfigureAwait(false);
        await WaitConfirmedAsync(waiter, "UNSUBSCRIBE", channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection and stops reconnecting; waiting subscribe calls fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? run;
        RedisTransport? transport;
        List<TaskCompletionSource> waiters;
        lock (_sync)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            run = _run;
            transport = _transport;
            waiters = [.. _subscribeWaiters.Values, .. _unsubscribeWaiters.Values];
            _subscribeWaiters.Clear();
            _unsubscribeWaiters.Clear();
        }

        transport?.Abort();
        foreach (var waiter in waiters)
        {
            waiter.TrySetException(new ObjectDisposedException(nameof(RedisSubscriber)));
        }

        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource GetWaiter(Dictionary<string, TaskCompletionSource> waiters, string channel)
    {
        // Concurrent calls for one channel share a waiter: Redis confirms each channel in order anyway.
        if (!waiters.TryGetValue(channel, out var waiter))
        {
            waiters[channel] = waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return waiter;
    }

    private async Task WaitConfirmedAsync(TaskCompletionSource waiter, string command, string channel, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Task.WaitAsync(_options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RedisTimeoutException(
                $"Redis at {_options.Endpoint} did not confirm {command} {channel} within {_options.CommandTimeout.TotalMilliseconds:0} ms"
                + (command == "SUBSCRIBE" ? "; the handler stays registered and the channel is subscribed once the connection is back." : "."));
        }
    }
}
