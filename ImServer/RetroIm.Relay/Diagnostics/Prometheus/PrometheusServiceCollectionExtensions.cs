using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>Registers the <c>/metrics</c> exporter.</summary>
public static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// Exports the named meters (System.Diagnostics.Metrics) in the Prometheus text format; map the endpoint with
    /// <see cref="PrometheusEndpointRouteBuilderExtensions.MapPrometheusMetrics"/>. May be called more than once: the
    /// meter lists add up. Instruments are collected from the moment the first scrape (or anything else) resolves the
    /// collector; call <see cref="PrometheusEndpointRouteBuilderExtensions.MapPrometheusMetrics"/> at startup and it does.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, params IEnumerable<string> meters)
    {
        services.AddMetrics();
        services.AddOptions<PrometheusMetricsOptions>().Configure(options =>
        {
            foreach (var meter in meters) options.Meters.Add(meter);
        });
        services.TryAddSingleton<MetricsCollector>();
        services.TryAddSingleton<PrometheusEndpoint>();
        return services;
    }
}
