using System.Globalization;
using RetroIm.Im.Backplane;
using RetroIm.Relay;
using RetroIm.Relay.Diagnostics.Prometheus;

// ImServer: one relay node of a RetroIm cluster. Configuration comes from appsettings.json, the environment
// (ImServer__Server=ws://10.0.0.5:6001) and the command line (--ImServer:Server=ws://10.0.0.5:6001); it listens where
// ASPNETCORE_URLS or --urls says. See README "Configuration" for every key.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json sits next to the binary; find it whatever directory the node is started from.
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss.fff ";
});
// Request lines carry the connect token (/ws?token=…): never let them reach a log, whatever the configuration says.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

// Redis when ImServer:Redis is set (a cluster), otherwise the in-memory backplane (a single node).
builder.Services.AddImBackplane(builder.Configuration["ImServer:Redis"]);
builder.Services.AddImRelay(builder.Configuration.GetSection(ImRelayOptions.SectionName));
// The slim builder leaves HTTPS out: without this an https:// address (README "wss:// with Kestrel") fails at start.
builder.WebHost.UseKestrelHttpsConfiguration();
// The relay accepts the node's TCP connections itself: upgrades to /ws run on the bare socket (no Kestrel connection or
// HTTP request kept alive under an idle one); /health, /metrics and everything else are handed to Kestrel. Not on a
// node that terminates TLS itself: there every byte must go through Kestrel's TLS, so upgrades take the HTTP endpoint.
var listensWithTls = ListensWithTls(builder.Configuration);
if (builder.Configuration.GetValue(ImRelayOptions.SectionName + ":" + nameof(ImRelayOptions.DirectUpgrade), true) && !listensWithTls)
{
    builder.WebHost.UseImRelayListener("/ws");
}
builder.Services.AddPrometheusMetrics(PrometheusMetricsOptions.RelayMeters);

var app = builder.Build();
if (listensWithTls)
{
    app.Logger.LogInformation("A TLS endpoint is configured: WebSocket upgrades go through Kestrel's TLS and the HTTP endpoint (ImServer:DirectUpgrade does not apply)");
}

// Still mapped: it serves the upgrades the relay's listener leaves to HTTP (DirectUpgrade off, TLS, kept-alive connections).
app.MapImRelay("/ws");
app.MapImRelayHealth("/health");
app.MapPrometheusMetrics("/metrics");
// Benchmarks only (off by default): a full blocking GC that returns free memory to the OS, then the live managed heap
// and the process RSS, so memory per connection can be measured without garbage in it. Never enable it on a node the
// public can reach.
if (app.Configuration.GetValue("ImServer:DebugEndpoints", false))
{
    app.MapPost("/debug/gc", () =>
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Aggressive: also gives the freed memory back to the OS, so the RSS is what the live objects need.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return Results.Text($"{{\"heapBytes\":{GC.GetTotalMemory(false)},\"rssBytes\":{self.WorkingSet64}}}", "application/json");
    });
    // What the process allocated and collected so far: the benchmark reads it before and after a phase for the bytes
    // allocated per delivery and the GC pauses the phase cost. gen0MaxBudget is the young-generation cap the GC runs
    // with: RetroIm.ImServer.csproj's, DOTNET_GCGen0MaxBudget's, or without either the GC's own (128 MiB here).
    app.MapGet("/debug/alloc", () => Results.Text(
        $"{{\"allocatedBytes\":{GC.GetTotalAllocatedBytes(precise: true)},\"gen0\":{GC.CollectionCount(0)},\"gen1\":{GC.CollectionCount(1)},"
        + $"\"gen2\":{GC.CollectionCount(2)},\"pauseMs\":{(long)GC.GetTotalPauseDuration().TotalMilliseconds},"
        + $"\"gen0MaxBudget\":{Convert.ToInt64(GC.GetConfigurationVariables().GetValueOrDefault("GCGen0MaxBudget", 0L), CultureInfo.InvariantCulture)}}}", "application/json"));
}

app.Run();

// An https:// address in --urls / ASPNETCORE_URLS, a port in ASPNETCORE_HTTPS_PORTS, or a Kestrel:Endpoints entry.
static bool ListensWithTls(IConfiguration configuration)
{
    if (configuration["urls"]?.Contains("https://", StringComparison.OrdinalIgnoreCase) == true) return true;
    if (!string.IsNullOrWhiteSpace(configuration["https_ports"])) return true;
    foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
    {
        if (endpoint["Url"]?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true) return true;
    }
    return false;
}
