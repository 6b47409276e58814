using System.Runtime.CompilerServices;
using RetroIm.Im.Backplane;

namespace RetroIm.Im;

/// <summary>
/// One subscription to <see cref="ImTopics.NodeChanges"/> per backplane, shared by every <see cref="ImClient"/> over
/// it: a backplane keeps one handler per topic, so two clients subscribing on their own would replace each other's
/// handler, and the first to be disposed would unsubscribe the other.
/// </summary>
internal sealed class NodeChangeSubscription
{
    private static readonly ConditionalWeakTable<IImBackplane, NodeChangeSubscription> PerBackplane = new();

    private readonly IImBackplane _backplane;
    private readonly Lock _gate = new();
    private Listener[] _listeners = [];
    private Task _subscribing = Task.CompletedTask;

    private NodeChangeSubscription(IImBackplane backplane) => _backplane = backplane;

    /// <summary>What a client hears: a change (on the backplane's dispatch loop), and the subscription becoming whole again.</summary>
    internal sealed class Listener(Action<ReadOnlyMemory<byte>> changed, Action resubscribed)
    {
        public Action<ReadOnlyMemory<byte>> Changed { get; } = changed;

        public Action Resubscribed { get; } = resubscribed;
    }

    public static NodeChangeSubscription For(IImBackplane backplane) => PerBackplane.GetValue(backplane, static b => new NodeChangeSubscription(b));

    /// <summary>
    /// Adds a listener and returns the subscription: completed when already active, failed when subscribing failed
    /// (the backplane keeps the handler and resubscribes it after reconnecting, which the listener hears).
    /// </summary>
    public Task AddAsync(Listener listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
            if (_listeners.Length == 1)
            {
                _backplane.Resubscribed += OnResubscribed;
                _subscribing = Subscribe();
            }
            else if (_subscribing.IsFaulted || _subscribing.IsCanceled)
            {
                _subscribing = Subscribe();
            }
            return _subscribing;
        }
    }

    /// <summary>Removes a listener; the last one unsubscribes.</summary>
    public async Task RemoveAsync(Listener listener)
    {
        Task unsubscribing;
        lock (_gate)
        {
            var index = Array.IndexOf(_listeners, listener);
            if (index < 0) return;
            _listeners = [.. _listeners[..index], .. _listeners[(index + 1)..]];
            if (_listeners.Length > 0) return;
            _backplane.Resubscribed -= OnResubscribed;
            // Started under the lock, so a subscribe that follows reaches the backplane after it.
            unsubscribing = Unsubscribe();
        }
        await unsubscribing.ConfigureAwait(false);
    }

    // Started under _gate: the backplane registers (or drops) the handler before its call returns.
    private Task Subscribe() => Started(() => _backplane.SubscribeAsync(ImTopics.NodeChanges, OnChange));

    private Task Unsubscribe() => Started(() => _backplane.UnsubscribeAsync(ImTopics.NodeChanges));

    /// <summary>The call's task, or a failed one when the call throws before returning it.</summary>
    private static Task Started(Func<Task> call)
    {
        try
        {
            return call();
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private void OnChange(string topic, ReadOnlyMemory<byte> payload)
    {
        foreach (var listener in Volatile.Read(ref _listeners)) listener.Changed(payload);
    }

    private void OnResubscribed()
    {
        foreach (var listener in Volatile.Read(ref _listeners)) listener.Resubscribed();
    }
}
