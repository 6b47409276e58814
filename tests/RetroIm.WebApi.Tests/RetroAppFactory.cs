using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RetroIm.Testing;

namespace RetroIm.WebApi.Tests;

/// <summary>
/// The WebApi in embedded mode (in-memory backplane, relay at /ws) on a real loopback Kestrel port, with its SQLite file
/// and logs in a temporary folder. Extra settings and service overrides let a test shape one instance.
/// </summary>
public sealed class RetroAppFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public RetroAppFactory(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "retroim-webapi-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        _settings = new Dictionary<string, string?>
        {
            ["Retro:Database"] = DatabasePath,
            ["Serilog:WriteTo:File:Args:path"] = Path.Combine(Directory, "logs", "webapi-.log"),
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["ImServer:HeartbeatInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        _services = services;
        Port = TestPorts.GetFreePort();
        // Listen set on Kestrel itself: UseKestrel(port) rewrites the server addresses after Build, racing the app's
        // own start when Program.cs reaches Run first ("Addresses cannot be modified after the server has started").
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
    }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "retro.db");

    public string LogDirectory => Path.Combine(Directory, "logs");

    public int Port { get; }

    /// <summary>A client of this instance; it starts the server on first use.</summary>
    public RetroApiClient CreateApiClient()
    {
        StartServer();
        return new RetroApiClient(CreateClient());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Host settings are visible while Program.cs runs (ImHelper:Redis picks the mode there), but they give every
        // parent key an empty value, which Serilog's reader rejects; its keys go in as app configuration instead.
        foreach (var (key, value) in _settings.Where(s => !s.Key.StartsWith("Serilog:", StringComparison.Ordinal))) builder.UseSetting(key, value);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings.Where(s => s.Key.StartsWith("Serilog:", StringComparison.Ordinal))));
        if (_services is not null) builder.ConfigureServices(_services);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A log file may still be held for a moment; the temp folder is cleaned up by the OS eventually.
        }
    }
}
