using Microsoft.AspNetCore.Http;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// /health: 200 when the backplane answers a ping, the last heartbeat registered the node and it is not shutting
/// down; 503 otherwise. The body says which part failed.
/// </summary>
internal sealed class RelayHealth(RelayNode node, IImBackplane backplane, LocalIndex index)
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext context)
    {
        var reachable = await PingAsync(context.RequestAborted);
        var healthy = reachable && node.Registered && !node.Stopping;
        var report = new RelayHealthReport(
            healthy ? "healthy" : "unhealthy",
            node.Id,
            node.Url,
            backplane.Kind,
            reachable,
            node.Registered,
            node.Stopping,
            index.ConnectionCount);
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(report, RelayJsonContext.Default.RelayHealthReport, cancellationToken: context.RequestAborted);
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await backplane.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
