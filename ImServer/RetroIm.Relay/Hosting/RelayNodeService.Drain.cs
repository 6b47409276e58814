using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Hosting;

internal sealed partial class RelayNodeService
{
    /// <summary>
    /// SIGTERM: the same jittered move as <c>imctl drain</c>, squeezed into a quarter of ShutdownTimeout (at most
    /// DrainWindow); then waits, within half of ShutdownTimeout, for the close handshakes and presence removals,
    /// aborts what is left, and removes the node.
    /// </summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var budget = settings.ShutdownTimeout;
        var started = time.GetTimestamp();
        RelayLog.Draining(logger, index.ConnectionCount);
        var idle = tracker.WhenIdleAsync();
        var window = settings.DrainWindow < budget / 4 ? settings.DrainWindow : budget / 4;
        try
        {
            await drain.DrainAsync(window, RelayDrain.ShutdownGrace, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        var closing = budget / 2 - time.GetElapsedTime(started);
        if (!await WaitAsync(idle, closing > TimeSpan.FromSeconds(1) ? closing : TimeSpan.FromSeconds(1), cancellationToken))
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
