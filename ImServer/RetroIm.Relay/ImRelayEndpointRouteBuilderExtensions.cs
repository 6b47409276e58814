using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RetroIm.Relay.Hosting;

namespace RetroIm.Relay;

/// <summary>Maps the relay's HTTP endpoints.</summary>
public static class ImRelayEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the WebSocket endpoint clients open with the URL ImHelper issued (<c>ws://node/ws?token=…</c>). Refusals
    /// happen before the upgrade: 400 (not a WebSocket request), 401 (missing, unknown, used or expired token), 421 (the
    /// token belongs to another node; the JSON body names it), 503 (starting, shutting down, backplane down).
    /// </summary>
    public static IEndpointConventionBuilder MapImRelay(this IEndpointRouteBuilder endpoints, string pattern = "/ws")
    {
        var relay = endpoints.ServiceProvider.GetRequiredService<RelayEndpoint>();
        // The WebSockets middleware runs only on this endpoint, so the host needs no UseWebSockets() of its own.
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(relay.HandleAsync);
        MapSse(endpoints);
        return endpoints.Map(pattern, pipeline.Build())
            .WithDisplayName("ImServer relay " + pattern);
    }

    /// <summary>
    /// The fallback transport beside the WebSocket: <c>GET /sse?token=…</c> (server-sent events down) and
    /// <c>POST /sse/send?c=…</c> (one client frame up, bearer post token from the welcome); see <see cref="Sse.SseEndpoint"/>.
    /// </summary>
    private static void MapSse(IEndpointRouteBuilder endpoints)
    {
        var sse = ActivatorUtilities.CreateInstance<Sse.SseEndpoint>(endpoints.ServiceProvider);
        endpoints.MapGet("/sse", (RequestDelegate)sse.StreamAsync).WithDisplayName("ImServer relay /sse");
        endpoints.MapMethods("/sse/send", ["POST", "OPTIONS"], (RequestDelegate)sse.SendAsync).WithDisplayName("ImServer relay /sse/send");
    }

    /// <summary>
    /// Maps the node's health check: JSON <c>{status,reason,node,url,backplane,reachable,registered,draining,stopping,connections}</c>,
    /// 200 <c>healthy</c> when the backplane answers and the node is registered and takes connections; 503 otherwise
    /// (<c>degraded</c> while Redis is unreachable, <c>draining</c>, <c>stopping</c>), with the reason.
    /// </summary>
    public static IEndpointConventionBuilder MapImRelayHealth(this IEndpointRouteBuilder endpoints, string pattern = "/health")
    {
        var health = endpoints.ServiceProvider.GetRequiredService<RelayHealth>();
        return endpoints.MapGet(pattern, (RequestDelegate)health.HandleAsync).WithDisplayName("ImServer health");
    }
}
