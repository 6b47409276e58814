using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>Registers the <see cref="IImBackplane"/> shared by the relay and <see cref="ImClient"/>.</summary>
public static class ImBackplaneServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IImBackplane"/> as a singleton, disposed with the container: a <see cref="RedisBackplane"/> when
    /// <paramref name="redisConnectionString"/> is set (FreeRedis style, e.g. <c>127.0.0.1:6379,prefix=im1:</c>), else an
    /// <see cref="InMemoryBackplane"/> for a single-process install. Does nothing when a backplane is already
    /// registered, so an embedded relay and ImHelper in one process share one.
    /// </summary>
    /// <exception cref="FormatException">The connection string is malformed (thrown here, at startup).</exception>
    public static IServiceCollection AddImBackplane(this IServiceCollection services, string? redisConnectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrWhiteSpace(redisConnectionString))
        {
            services.TryAddSingleton<IImBackplane>(sp => new InMemoryBackplane(sp.GetService<TimeProvider>(), sp.GetService<ILogger<InMemoryBackplane>>()));
            return services;
        }
        var options = RedisOptions.Parse(redisConnectionString);
        services.TryAddSingleton<IImBackplane>(sp => new RedisBackplane(options, sp.GetService<ILoggerFactory>()));
        return services;
    }
}
