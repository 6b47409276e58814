using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Data;

namespace RetroIm.WebApi.Hosting;

internal static class StorageExtensions
{
    /// <summary>Retro options (validated on start), SQLite, the schema migrator and the activity retention job.</summary>
    public static WebApplicationBuilder AddRetroStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetroOptions>()
            .BindConfiguration(RetroOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RetroDb>();
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton<ActivityCleanupService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ActivityCleanupService>());
        return builder;
    }

    /// <summary>Creates or upgrades the schema before the app takes requests.</summary>
    public static Task MigrateDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
}
