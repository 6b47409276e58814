using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;

namespace RetroIm.Im;

/// <summary>Registers <see cref="ImClient"/> for dependency injection.</summary>
public static class ImHelperServiceCollectionExtensions
{
    /// <summary>The configuration section read when none is passed.</summary>
    public const string SectionName = "ImHelper";

    /// <summary>
    /// Registers <see cref="ImClient"/> as a singleton, with <see cref="ImHelperOptions"/> bound from
    /// <paramref name="section"/> (default: the <c>"ImHelper"</c> section of the registered configuration), and the
    /// backplane: Redis when <c>ImHelper:Redis</c> is set, else in-memory. A backplane registered before this call
    /// (an embedded relay in the same process) is used as it is.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The section to bind, e.g. <c>builder.Configuration.GetSection("ImHelper")</c>.</param>
    /// <param name="configure">Runs after binding, e.g. to set <see cref="ImHelperOptions.JsonSerializerOptions"/>.</param>
    public static IServiceCollection AddImHelper(this IServiceCollection services, IConfiguration? section = null, Action<ImHelperOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        section ??= FindConfiguration(services)?.GetSection(SectionName);

        // The backplane is chosen now, at registration, so it needs the options now too.
        var options = new ImHelperOptions();
        section?.Bind(options);
        configure?.Invoke(options);

        var builder = services.AddOptions<ImHelperOptions>();
        if (section is not null) builder.Bind(section);
        if (configure is not null) builder.Configure(configure);

        if (!services.Any(d => d.ServiceType == typeof(IImBackplane))) services.AddImBackplane(options.Redis);
        services.TryAddSingleton(sp => new ImClient(
            sp.GetRequiredService<IImBackplane>(),
            sp.GetRequiredService<IOptions<ImHelperOptions>>().Value,
            sp.GetService<ILogger<ImClient>>(),
            sp.GetService<TimeProvider>()));
        return services;
    }

    // WebApplication.CreateBuilder registers its configuration as an instance; a bare ServiceCollection has none.
    private static IConfiguration? FindConfiguration(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IConfiguration) && services[i].ImplementationInstance is IConfiguration configuration) return configuration;
        }
        return null;
    }
}
