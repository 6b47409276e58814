using System.Security.Cryptography;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private const int ClientEventBatch = 64;
    private const string AnyClientEvent = "*";
    private static readonly TimeSpan MaxClientEventWait = TimeSpan.FromSeconds(2);

    private readonly Lock _clientEventsGate = new();
    private readonly Dictionary<string, Func<ClientEvent, CancellationToken, Task>[]> _clientEventHandlers = new(StringComparer.Ordinal);
    private Task? _clientEventLoop;

    /// <summary>
    /// This instance's consumer name in the <see cref="ImHelperOptions.EventsGroup"/> consumer group: random per
    /// instance, so a restarted process never inherits another's pending events (they are claimed after
    /// <see cref="ImHelperOptions.EventsClaimAfter"/> instead).
    /// </summary>
    public string InstanceId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Handles the client events named <paramref name="eventName"/> (<c>"*"</c>: every event) that clients send with
    /// <c>{"type":"event","event":"…","data":…}</c> — only clients granted <c>event.&lt;name&gt;</c> get theirs through.
    /// </summary>
    /// <remarks>
    /// <para>Delivery is at least once. Every instance of an application reads through one consumer group
    /// (<see cref="ImHelperOptions.EventsGroup"/>), so each event goes to one instance; it is acknowledged when every
    /// matching handler has returned. If the instance dies first, or a handler throws (it is logged), another instance
    /// takes the event over after <see cref="ImHelperOptions.EventsClaimAfter"/> and runs its handlers again: handlers
    /// should be idempotent (<see cref="ClientEvent.Id"/> stays the same). An event nobody handles is acknowledged.</para>
    /// <para>Handlers run one event at a time, in stream order, off the backplane's threads. Reading starts with the
    /// first handler; a group created then starts at the oldest retained event (the stream keeps about 10,000), so
    /// events sent while no instance ran are delivered too — check <see cref="ClientEvent.Ts"/> when stale ones do not matter.</para>
    /// </remarks>
    /// <returns>Dispose it to remove the handler (reading goes on while this client lives).</returns>
    public IDisposable OnClientEvent(string eventName, Func<ClientEvent, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_clientEventsGate)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            _clientEventHandlers[eventName] = _clientEventHandlers.TryGetValue(eventName, out var list) ? [.. list, handler] : [handler];
            _clientEventLoop ??= Task.Run(() => ConsumeClientEventsAsync(_disposing.Token));
        }
        return new HandlerRegistration(() => RemoveClientEventHandler(eventName, handler));
    }

    /// <inheritdoc cref="OnClientEvent(string, Func{ClientEvent, CancellationToken, Task})"/>
    public IDisposable OnClientEvent(string eventName, Func<ClientEvent, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnClientEvent(eventName, (clientEvent, _) => handler(clientEvent));
    }

    private void RemoveClientEventHandler(string eventName, Func<ClientEvent, CancellationToken, Task> handler)
    {
        lock (_clientEventsGate)
        {
            if (!_clientEventHandlers.TryGetValue(eventName, out var list)) return;
            var index = Array.IndexOf(list, handler);
            if (index < 0) return;
            if (list.Length == 1) _clientEventHandlers.Remove(eventName);
            else _clientEventHandlers[eventName] = [.. list[..index], .. list[(index + 1)..]];
        }
    }

    private async Task ConsumeClientEventsAsync(CancellationToken cancellationToken)
    {
        var group = _options.EventsGroup;
        var claimAfter = _options.EventsClaimAfter;
        // Look for abandoned events a few times per claim timeout; a read waits no longer than that in between.
        var claimEvery = TimeSpan.FromTicks(Math.Clamp(claimAfter.Ticks / 2, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
        var wait = claimEvery < MaxClientEventWait ? claimEvery : MaxClientEventWait;
        var nextClaim = _time.GetTimestamp();
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_time.GetTimestamp() >= nextClaim)
                {
                    nextClaim = _time.GetTimestamp() + (long)(claimEvery.TotalSeconds * _time.TimestampFrequency);
                    var claimed = await _backplane.ClaimClientEventsAsync(group, InstanceId, claimAfter, ClientEventBatch, cancellationToken).ConfigureAwait(false);
                    foreach (var clientEvent in claimed) await HandleClientEventAsync(group, clientEvent, cancellationToken).ConfigureAwait(false);
                }
                var batch = await _backplane.ReadClientEventsAsync(group, InstanceId, ClientEventBatch, wait, cancellationToken).ConfigureAwait(false);
                foreach (var clientEvent in batch) await HandleClientEventAsync(group, clientEvent, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Backplane trouble: what was read and not acknowledged is claimed again later, by us or another instance.
                ImClientLog.ClientEventsReadFailed(_logger, e);
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 200 << Math.Min(failures++, 5)));
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task HandleClientEventAsync(string group, ClientEvent clientEvent, CancellationToken cancellationToken)
    {
        Func<ClientEvent, CancellationToken, Task>[]? named, any;
        lock (_clientEventsGate)
        {
            _clientEventHandlers.TryGetValue(clientEvent.Event, out named);
            _clientEventHandlers.TryGetValue(AnyClientEvent, out any);
        }
        if (!await RunClientEventHandlersAsync(named, clientEvent, cancellationToken).ConfigureAwait(false)) return;
        if (clientEvent.Event != AnyClientEvent && !await RunClientEventHandlersAsync(any, clientEvent, cancellationToken).ConfigureAwait(false)) return;
        await _backplane.AckClientEventsAsync(group, [clientEvent.Id], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>False when a handler threw: the event stays pending and is delivered again after the claim timeout.</summary>
    private async Task<bool> RunClientEventHandlersAsync(Func<ClientEvent, CancellationToken, Task>[]? handlers, ClientEvent clientEvent, CancellationToken cancellationToken)
    {
        if (handlers is null) return true;
        foreach (var handler in handlers)
        {
            try
            {
                await handler(clientEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                ImClientLog.ClientEventHandlerFailed(_logger, clientEvent.Event, clientEvent.Id, e);
                return false;
            }
        }
        return true;
    }

    private async Task StopClientEventsAsync()
    {
        Task? loop;
        lock (_clientEventsGate) loop = _clientEventLoop;
        if (loop is not null) await loop.ConfigureAwait(false);
    }
}
