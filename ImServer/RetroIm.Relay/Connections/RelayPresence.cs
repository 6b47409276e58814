using Microsoft.Extensions.Logging;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Hosting;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Puts connections into the backplane's presence count and the local index, and takes them out again exactly once.
/// </summary>
internal sealed class RelayPresence(IImBackplane backplane, LocalIndex index, RelayDispatcher dispatcher, RelayNode node, ILogger<RelayPresence> logger)
{
    private const int ResyncBatch = 256;

    /// <summary>
    /// Indexes the connection first (so a join or message racing the registration is not lost), registers it, and
    /// waits until its channels are subscribed, so that a client holding the welcome frame receives channel messages.
    /// </summary>
    /// <returns>The client's channels, as the backplane answered.</returns>
    public async Task<IReadOnlyList<string>> RegisterAsync(RelayConnection connection, CancellationToken cancellationToken)
    {
        index.Add(connection);
        IReadOnlyList<string> chans;
        try
        {
            chans = await backplane.AddConnectionAsync(connection.Registration, cancellationToken);
        }
        catch
        {
            var dropped = new List<string>();
            index.Remove(connection, dropped);
            dispatcher.Subscriptions.SyncInBackground(dropped);
            throw;
        }
        lock (connection) connection.Presence = PresenceState.Registered;
        var changed = new List<string>();
        index.CompleteRegistration(connection, chans, changed);
        await dispatcher.Subscriptions.SyncAsync(chans, cancellationToken);
        return chans;
    }

    /// <summary>Removes the connection from the index and, once, from the backplane; never throws.</summary>
    public async Task UnregisterAsync(RelayConnection connection)
    {
        var changed = new List<string>();
        index.Remove(connection, changed);
        dispatcher.Subscriptions.SyncInBackground(changed);

        PresenceState previous;
        Task? reAdding;
        lock (connection)
        {
            previous = connection.Presence;
            connection.Presence = PresenceState.Removed;
            reAdding = connection.PendingReAdd;
        }
        if (previous != PresenceState.Registered) return;
        // A resync may be re-adding this connection right now: remove after it, never before.
        if (reAdding is not null) await reAdding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            // After RemoveNodeAsync the backplane already dropped every connection of this node.
            if (node.Deregistered) return;
            await backplane.RemoveConnectionAsync(connection.Registration, CancellationToken.None);
        }
        catch (Exception e)
        {
            RelayLog.PresenceFailed(logger, connection.ConnectionId, e);
        }
    }

    /// <summary>
    /// Registers every live connection again, after the backplane forgot this node (it was reaped, or Redis lost its
    /// data), and merges the channels it answers with.
    /// </summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        var connections = index.GetAllConnections();
        RelayLog.Resync(logger, connections.Length);
        var batch = new List<Task>(ResyncBatch);
        foreach (var connection in connections)
        {
            lock (connection)
            {
                if (connection.Presence != PresenceState.Registered) continue;
                var task = ReAddAsync(connection, cancellationToken);
                connection.PendingReAdd = task;
                batch.Add(task);
            }
            if (batch.Count == ResyncBatch)
            {
                await Task.WhenAll(batch);
                batch.Clear();
            }
        }
        await Task.WhenAll(batch);
    }

    private async Task ReAddAsync(RelayConnection connection, CancellationToken cancellationToken)
    {
        // Leave the lock the caller holds before talking to the backplane.
        await Task.Yield();
        try
        {
            var chans = await backplane.AddConnectionAsync(connection.Registration, cancellationToken);
            var changed = new List<string>();
            index.MergeChans(connection.ClientId, chans, changed);
            dispatcher.Subscriptions.SyncInBackground(changed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RelayLog.PresenceFailed(logger, connection.ConnectionId, e);
        }
    }
}
