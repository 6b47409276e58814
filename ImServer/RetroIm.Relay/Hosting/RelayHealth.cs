using Microsoft.AspNetCore.Http;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// /health: 200 <c>healthy</c> when the backplane answers a ping, the last heartbeat registered the node and it takes
/// new connections. Otherwise 503 with the status and a reason: <c>degraded</c> while the backplane is unreachable or
/// the node unregistered (open sockets stay up, and it recovers by itself once Redis is back), <c>draining</c> while it
/// hands its clients to other nodes, <c>stopping</c> during shutdown.
/// </summary>
internal sealed class RelayHealth(RelayNode node, IImBackplane backplane, LocalIndex index)
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext context)
    {
        var (reachable, error) = await PingAsync(context.RequestAborted);
        var (status, reason) = Assess(reachable, error);
        var report = new RelayHealthReport(
            status,
            reason,
            node.Id,
            node.Url,
            backplane.Kind,
            reachable,
            node.Registered,
            node.Draining,
            node.Stopping,
            index.ConnectionCount);
        context.Response.StatusCode = status == "healthy" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(report, RelayJsonContext.Default.RelayHealthReport, cancellationToken: context.RequestAborted);
    }

    private (string Status, string? Reason) Assess(bool reachable, string? error)
    {
        if (node.Stopping) return ("stopping", "the node is shutting down");
        if (node.Draining) return ("draining", "the node is moving its clients to other nodes and takes no new connections");
        if (!reachable) return ("degraded", $"the {backplane.Kind} backplane is unreachable ({error}); open connections stay up, new ones are refused until it is back");
        if (!node.Registered) return ("degraded", "the node's last heartbeat did not reach the backplane; it retries every heartbeat");
        return ("healthy", null);
    }

    private async Task<(bool Reachable, string? Error)> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await backplane.PingAsync(timeout.Token);
            return (true, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"no answer to PING within {PingTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, e.Message);
        }
    }
}
