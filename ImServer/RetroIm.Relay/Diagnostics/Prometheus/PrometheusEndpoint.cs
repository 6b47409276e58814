using System.Text;
using Microsoft.AspNetCore.Http;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>GET /metrics: the collector's families in the text format, never cached.</summary>
internal sealed class PrometheusEndpoint(MetricsCollector collector)
{
    public async Task HandleAsync(HttpContext context)
    {
        var text = new StringBuilder(16 * 1024);
        PrometheusTextWriter.Write(text, collector.Collect());
        context.Response.ContentType = PrometheusTextWriter.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(text.ToString(), Encoding.UTF8, context.RequestAborted);
    }
}
