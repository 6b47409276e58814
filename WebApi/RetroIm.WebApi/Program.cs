using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Admin;
using RetroIm.WebApi.Health;
using RetroIm.WebApi.Hosting;
using RetroIm.WebApi.Metrics;
using RetroIm.WebApi.Retros;
using RetroIm.WebApi.Topics;

var builder = WebApplication.CreateBuilder(args);

// Logs: Serilog (console + daily file, "Serilog" section), one line per request.
builder.AddRetroLogging();

// Storage: Retro options, SQLite via Dapper, schema migrations, activity retention.
builder.AddRetroStorage();

// Push: ImHelper; without ImHelper:Redis this app is also the single embedded relay node (/ws).
builder.AddRetroIm();

// Domain: retro/topic commands, board and activity reads, pushes after commit, presence events.
builder.AddRetroDomain();

// HTTP: problem details everywhere, OpenAPI.
builder.AddRetroApiDocs();

// Admin: /admin page and /api/admin behind Admin:Key (disabled without one), with a sampled history for its graph.
builder.AddRetroAdmin();

// Metrics: /metrics in the Prometheus text format (HTTP requests, runtime, Redis round trips, embedded relay).
builder.AddRetroMetrics();

var app = builder.Build();

await app.MigrateDatabaseAsync();

app.UseRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.UseClientFiles();          // Clients/web at /, Clients/js at /sdk/
app.MapRetroApiDocs();         // /openapi/v1.json, /swagger
app.MapEmbeddedRelay();        // /ws in embedded mode

app.MapHealth();
app.MapRetroMetrics();         // /metrics
app.MapRetroApi();
app.MapTopicsApi();
app.MapActivityApi();
app.MapAdmin();               // /admin, /api/admin (needs Admin:Key)

app.Run();

/// <summary>Visible to the test host (WebApplicationFactory).</summary>
public partial class Program;
