using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Hosting;

internal sealed partial class RelayNodeService
{
    /// <summary>
    /// Closes every socket with 1012 (clients reconnect, with a fresh URL, to another node), waits up to half of
    /// ShutdownTimeout for the handshakes and presence removals, aborts what is left, then removes the node.
    /// </summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var budget = options.Value.ShutdownTimeout;
        var started = time.GetTimestamp();
        var connections = index.GetAllConnections();
        RelayLog.Draining(logger, connections.Length);
        var idle = tracker.WhenIdleAsync();
        foreach (var connection in connections) connection.Close(ImCloseCodes.ServiceRestart, "server restart");

        if (!await WaitAsync(idle, budget / 2, cancellationToken))
        {
            var left = index.GetAllConnections();
            RelayLog.DrainAborting(logger, left.Length);
            foreach (var connection in left) connection.Abort();
            await WaitAsync(idle, TimeSpan.FromSeconds(1), cancellationToken);
        }

        // Connections still finishing now skip RemoveConnectionAsync: RemoveNodeAsync takes them all.
        node.MarkDeregistered();
        var remaining = budget - time.GetElapsedTime(started);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
        try
        {
            await backplane.RemoveNodeAsync(node.Id!, deadline.Token);
        }
        catch (Exception e)
        {
            RelayLog.DeregisterFailed(logger, e);
        }
        RelayLog.Drained(logger, node.Id!, (long)time.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<bool> WaitAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
