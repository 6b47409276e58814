using RetroIm.Im.Backplane;
using RetroIm.Relay;

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

var app = builder.Build();

app.MapImRelay("/ws");
app.MapImRelayHealth("/health");

app.Run();
