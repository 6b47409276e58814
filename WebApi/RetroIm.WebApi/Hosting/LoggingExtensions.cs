using Serilog;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;
using Serilog.Settings.Configuration;

namespace RetroIm.WebApi.Hosting;

internal static class LoggingExtensions
{
    /// <summary>
    /// Serilog for every log: sinks and levels from the "Serilog" section (console and a daily rolling file by default),
    /// behind Microsoft.Extensions.Logging. The logger is built when the logger factory is first resolved, so it sees
    /// every configuration source, including those a test host adds after Program.cs has run.
    /// </summary>
    public static WebApplicationBuilder AddRetroLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // Hosting's own request lines include query strings, and /ws?token=… carries a connect token: never log them,
        // whatever the configuration says. RequestLoggingMiddleware writes the request line instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.AddSingleton<ILoggerProvider>(sp =>
            new SerilogLoggerProvider(CreateLogger(sp.GetRequiredService<IConfiguration>()), dispose: true));
        return builder;
    }

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestLoggingMiddleware>();

    private static Serilog.ILogger CreateLogger(IConfiguration configuration)
    {
        var logger = new LoggerConfiguration().Enrich.FromLogContext();
        if (configuration.GetSection("Serilog").Exists())
        {
            // Sink assemblies named explicitly: discovery through the entry assembly's deps.json fails under test hosts.
            var readerOptions = new ConfigurationReaderOptions(
                typeof(ConsoleLoggerConfigurationExtensions).Assembly,
                typeof(FileLoggerConfigurationExtensions).Assembly);
            return logger.ReadFrom.Configuration(configuration, readerOptions).CreateLogger();
        }
        // No appsettings.json next to the working directory: the same defaults in code.
        return logger.MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(new JsonFormatter(), "data/logs/webapi-.log", rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .CreateLogger();
    }
}
