using RetroIm.Relay.Diagnostics.Prometheus;

namespace RetroIm.WebApi.Metrics;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format: HTTP requests (ASP.NET Core's <c>http.server.request.duration</c> by
/// route, method and status; active requests), Kestrel connections, the .NET runtime, the Redis client's round-trip
/// times, ImHelper's queue of direct messages, and in embedded mode the relay's own counters.
/// </summary>
internal static class MetricsExtensions
{
    public static readonly IReadOnlyList<string> WebApiMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        // ImHelper's queue of direct messages in front of Redis (ImMetrics).
        RetroIm.Im.ImMetrics.MeterName,
    ];

    public static WebApplicationBuilder AddRetroMetrics(this WebApplicationBuilder builder)
    {
        // RelayMeters: the runtime and Redis meters, and the relay's when this app hosts the embedded node.
        builder.Services.AddPrometheusMetrics([.. WebApiMeters, .. PrometheusMetricsOptions.RelayMeters]);
        return builder;
    }

    public static WebApplication MapRetroMetrics(this WebApplication app)
    {
        app.MapPrometheusMetrics("/metrics").ExcludeFromDescription();
        return app;
    }
}
