using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private readonly Lock _eventsGate = new();
    private readonly List<Channel<PresenceEvent>> _eventReaders = [];
    private Action<PresenceEvent>? _online;
    private Action<PresenceEvent>? _offline;
    private Channel<PresenceEvent>? _eventQueue;
    private Task? _eventPump;
    private Task? _eventsSubscription;

    /// <summary>
    /// A client came online: its first connection anywhere in the cluster (a second tab raises nothing). Handlers run
    /// one event at a time, in order, off the backplane's thread; an exception in one is logged and the others still run.
    /// Subscribing to the cluster's events starts with the first handler.
    /// </summary>
    public event Action<PresenceEvent>? Online
    {
        add { lock (_eventsGate) _online += value; StartEvents(); }
        remove { lock (_eventsGate) _online -= value; }
    }

    /// <summary>
    /// A client went offline: its last connection closed, or the node holding it died (reported within 2× the node
    /// TTL). See <see cref="Online"/> for how handlers run.
    /// </summary>
    public event Action<PresenceEvent>? Offline
    {
        add { lock (_eventsGate) _offline += value; StartEvents(); }
        remove { lock (_eventsGate) _offline -= value; }
    }

    /// <summary>FreeIM's <c>EventBus</c>: attaches an online and an offline handler (see <see cref="Online"/>).</summary>
    public void EventBus(Action<PresenceEvent> online, Action<PresenceEvent> offline)
    {
        ArgumentNullException.ThrowIfNull(online);
        ArgumentNullException.ThrowIfNull(offline);
        Online += online;
        Offline += offline;
    }

    /// <summary>
    /// Reads online and offline events as they happen, in order, until <paramref name="cancellationToken"/> is cancelled
    /// or this client is disposed. Each reader gets every event from the moment it starts; events are buffered until read.
    /// </summary>
    public async IAsyncEnumerable<PresenceEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = Channel.CreateUnbounded<PresenceEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_eventsGate) _eventReaders.Add(reader);
        try
        {
            await EnsureEventsSubscribedAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var presence in reader.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return presence;
            }
        }
        finally
        {
            lock (_eventsGate) _eventReaders.Remove(reader);
        }
    }

    /// <summary>
    /// Subscribes to the cluster's presence events now and completes once the subscription is active, so events from
    /// then on are not missed. Attaching a handler or starting <see cref="ReadEventsAsync"/> subscribes too, lazily.
    /// </summary>
    public Task EnsureEventsSubscribedAsync(CancellationToken cancellationToken = default)
        => StartEvents().WaitAsync(cancellationToken);

    private Task StartEvents()
    {
        lock (_eventsGate)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            if (_eventsSubscription is { IsFaulted: false, IsCanceled: false }) return _eventsSubscription;
            if (_eventQueue is null)
            {
                // The backplane's dispatch loop only parses and enqueues; one pump runs the handlers, in order.
                _eventQueue = Channel.CreateUnbounded<PresenceEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                _eventPump = PumpEventsAsync(_eventQueue.Reader);
            }
            _eventsSubscription = SubscribeEventsAsync();
            return _eventsSubscription;
        }
    }

    private async Task SubscribeEventsAsync()
    {
        try
        {
            await _backplane.SubscribeAsync(ImTopics.Events, OnPresenceEvent, _disposing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The handler stays registered with the backplane, which resubscribes after reconnecting; a later
            // StartEvents call tries again as well.
            ImClientLog.EventsSubscribeFailed(_logger, e);
            throw;
        }
    }

    // Runs on the backplane's dispatch loop.
    private void OnPresenceEvent(string topic, ReadOnlyMemory<byte> payload)
    {
        PresenceEvent? presence;
        try
        {
            presence = JsonSerializer.Deserialize(payload.Span, ImJsonContext.Default.PresenceEvent);
        }
        catch (JsonException e)
        {
            ImClientLog.BadPresenceEvent(_logger, payload.Length, e);
            return;
        }
        if (presence?.Type is null || presence.ClientId is null)
        {
            ImClientLog.BadPresenceEvent(_logger, payload.Length, null);
            return;
        }
        _eventQueue?.Writer.TryWrite(presence);
    }

    private async Task PumpEventsAsync(ChannelReader<PresenceEvent> queue)
    {
        await foreach (var presence in queue.ReadAllAsync().ConfigureAwait(false))
        {
            Action<PresenceEvent>? handlers;
            lock (_eventsGate)
            {
                foreach (var reader in _eventReaders) reader.Writer.TryWrite(presence);
                handlers = presence.IsOnline ? _online : presence.Type == PresenceEvent.Offline ? _offline : null;
            }
            if (handlers is null) continue;
            foreach (var handler in handlers.GetInvocationList())
            {
                try
                {
                    ((Action<PresenceEvent>)handler)(presence);
                }
                catch (Exception e)
                {
                    ImClientLog.EventHandlerFailed(_logger, presence.IsOnline ? nameof(Online) : nameof(Offline), e);
                }
            }
        }
    }

    private async Task StopEventsAsync()
    {
        Task? subscription, pump;
        lock (_eventsGate)
        {
            subscription = _eventsSubscription;
            pump = _eventPump;
            _eventQueue?.Writer.TryComplete();
        }
        if (subscription is not null)
        {
            try
            {
                await _backplane.UnsubscribeAsync(ImTopics.Events).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ImClientLog.UnsubscribeFailed(_logger, ImTopics.Events, e);
            }
        }
        // Events already queued still reach the readers before their enumerations end.
        if (pump is not null) await pump.ConfigureAwait(false);
        lock (_eventsGate)
        {
            foreach (var reader in _eventReaders) reader.Writer.TryComplete();
        }
    }
}
