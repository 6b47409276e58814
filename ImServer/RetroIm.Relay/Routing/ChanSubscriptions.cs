using Microsoft.Extensions.Logging;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Routing;

/// <summary>
/// Keeps this node subscribed to <see cref="ImTopics.Chan"/> exactly while the channel has a local member. Every change
/// re-reads the wanted state from <see cref="LocalIndex"/> under one gate, so racing joins and leaves converge on the
/// last state instead of replaying subscribe/unsubscribe calls out of order.
/// </summary>
internal sealed class ChanSubscriptions(IImBackplane backplane, LocalIndex index, BackplaneHandler handler, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);
    private volatile bool _dirty;

    /// <summary>Brings the given channels' subscriptions in line; completes when the backplane confirmed them.</summary>
    public async Task SyncAsync(IReadOnlyList<string> chans, CancellationToken cancellationToken)
    {
        if (chans.Count == 0) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var chan in chans) await SyncLockedAsync(chan, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// For callers that must not wait (the dispatch loop, connection cleanup); failures are logged. The work starts on
    /// the thread pool: a backplane call must never begin inside the backplane's own dispatch loop.
    /// </summary>
    public void SyncInBackground(List<string> chans)
    {
        if (chans.Count > 0) _ = Task.Run(() => SyncLoggedAsync(chans));
    }

    /// <summary>
    /// Retries failed changes (each heartbeat), or with <paramref name="resubscribeAll"/> subscribes every channel
    /// again (after the backplane lost its state).
    /// </summary>
    public async Task ReconcileAsync(bool resubscribeAll, CancellationToken cancellationToken)
    {
        if (!resubscribeAll && !_dirty) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _dirty = false;
            var chans = index.GetChans();
            foreach (var chan in _subscribed)
            {
                if (!index.HasChanMembers(chan)) chans.Add(chan);
            }
            if (resubscribeAll) _subscribed.Clear();
            foreach (var chan in chans) await SyncLockedAsync(chan, cancellationToken);
        }
        catch
        {
            _dirty = true; // the next heartbeat tick tries again
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SyncLoggedAsync(List<string> chans)
    {
        try
        {
            await SyncAsync(chans, CancellationToken.None);
        }
        catch (Exception e)
        {
            RelayLog.SubscriptionFailed(logger, chans[0], e);
        }
    }

    private async Task SyncLockedAsync(string chan, CancellationToken cancellationToken)
    {
        var wanted = index.HasChanMembers(chan);
        if (wanted == _subscribed.Contains(chan)) return;
        try
        {
            if (wanted)
            {
                await backplane.SubscribeAsync(ImTopics.Chan(chan), handler, cancellationToken);
                _subscribed.Add(chan);
            }
            else
            {
                await backplane.UnsubscribeAsync(ImTopics.Chan(chan), cancellationToken);
                _subscribed.Remove(chan);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _dirty = true;
            RelayLog.SubscriptionFailed(logger, chan, e);
        }
    }
}
