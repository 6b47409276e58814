using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>Maps the <c>/metrics</c> exporter.</summary>
public static class PrometheusEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps GET <paramref name="pattern"/> to the metrics registered with
    /// <see cref="PrometheusServiceCollectionExtensions.AddPrometheusMetrics"/>, in the Prometheus text format 0.0.4.
    /// Starts collecting now, so counters cover everything from startup rather than from the first scrape.
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var endpoint = endpoints.ServiceProvider.GetRequiredService<PrometheusEndpoint>();
        return endpoints.MapGet(pattern, (RequestDelegate)endpoint.HandleAsync).WithDisplayName("Prometheus metrics");
    }
}
