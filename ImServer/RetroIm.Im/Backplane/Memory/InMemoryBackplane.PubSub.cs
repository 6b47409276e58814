using System.Collections.Concurrent;

namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    private static readonly Task<long> NoSubscriber = Task.FromResult(0L);
    private static readonly Task<long> OneSubscriber = Task.FromResult(1L);

    private readonly ConcurrentDictionary<string, BackplaneHandler> _handlers = NewConcurrentMap<BackplaneHandler>();
    private readonly ConcurrentQueue<(string Topic, ReadOnlyMemory<byte> Payload)> _outbox = new();
    private readonly Lock _dispatchGate = new();
    private int _dispatchingThreadId;

    public Task<ClientsPublishResult> PublishToClientsAsync(IReadOnlyList<string> clientIds, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        ThrowIfDisposed();
        var nodeIds = new List<string>();
        var offline = new List<string>();
        if (clientIds.Count == 0) return Task.FromResult(new ClientsPublishResult(nodeIds, offline));
        var seenClients = new HashSet<string>(StringComparer.Ordinal);
        var seenNodes = new HashSet<string>(StringComparer.Ordinal);
        var payload = OwnedIfReentrant(packet);
        lock (_gate)
        {
            foreach (var clientId in clientIds)
            {
                if (!seenClients.Add(clientId)) continue;
                if (!_clientNodes.TryGetValue(clientId, out var nodes))
                {
                    offline.Add(clientId);
                    continue;
                }
                foreach (var nodeId in nodes.Keys)
                {
                    if (seenNodes.Add(nodeId)) nodeIds.Add(nodeId);
                }
            }
            // Queued under the lock: the lookup and the publish are one step, as in the Redis script.
            foreach (var nodeId in nodeIds) _outbox.Enqueue((ImTopics.Node(nodeId), payload));
        }
        Dispatch();
        nodeIds.Sort(StringComparer.Ordinal);
        return Task.FromResult(new ClientsPublishResult(nodeIds, offline));
    }

    public Task<long> PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ThrowIfDisposed();
        var delivered = _handlers.ContainsKey(topic) ? OneSubscriber : NoSubscriber;
        _outbox.Enqueue((topic, OwnedIfReentrant(payload)));
        Dispatch();
        return delivered;
    }

    public Task SubscribeAsync(string topic, BackplaneHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfDisposed();
        _handlers[topic] = handler;
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        _handlers.TryRemove(topic, out _);
        return Task.CompletedTask;
    }

    public event Action? BurstDelivered;

    private bool IsDispatchingThread => Volatile.Read(ref _dispatchingThreadId) == Environment.CurrentManagedThreadId;

    /// <summary>
    /// A publish from inside a handler is delivered after that handler returns (never nested, as with Redis), which is
    /// after the caller may reuse its buffer, so only then is the payload copied.
    /// </summary>
    private ReadOnlyMemory<byte> OwnedIfReentrant(ReadOnlyMemory<byte> payload) => IsDispatchingThread ? payload.ToArray() : payload;

    /// <summary>
    /// Delivers everything queued, one handler call at a time. A caller that finds another thread dispatching waits for
    /// it, so its own messages are delivered before it returns and its buffers are not referenced afterwards.
    /// </summary>
    private void Dispatch()
    {
        if (IsDispatchingThread) return;
        lock (_dispatchGate)
        {
            _dispatchingThreadId = Environment.CurrentManagedThreadId;
            try
            {
                // A handler's own publishes join the queue and this burst.
                do
                {
                    DeliverQueued();
                    try
                    {
                        BurstDelivered?.Invoke();
                    }
                    catch (Exception ex)
                    {
                        InMemoryBackplaneLog.HandlerFailed(_logger, nameof(BurstDelivered), ex);
                    }
                }
                while (!_outbox.IsEmpty);
            }
            finally
            {
                _dispatchingThreadId = 0;
            }
        }
    }

    private void DeliverQueued()
    {
        while (_outbox.TryDequeue(out var item))
        {
            if (!_handlers.TryGetValue(item.Topic, out var handler)) continue;
            try
            {
                handler(item.Topic, item.Payload);
            }
            catch (Exception ex)
            {
                // One faulty subscriber must not stop delivery to the others.
                InMemoryBackplaneLog.HandlerFailed(_logger, item.Topic, ex);
            }
        }
    }
}
