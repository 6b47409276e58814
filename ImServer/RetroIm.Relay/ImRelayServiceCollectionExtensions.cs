using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Commands;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Hosting;
using RetroIm.Relay.Routing;
using RetroIm.Relay.Transport;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Relay;

/// <summary>Registers the relay node: options, connection handling, the node's life cycle.</summary>
public static class ImRelayServiceCollectionExtensions
{
    /// <summary>
    /// Adds a relay node bound to <paramref name="section"/> (normally <c>configuration.GetSection("ImServer")</c>),
    /// validated at start. An <c>IImBackplane</c> must be registered too (<c>AddImBackplane</c>); map the endpoint with
    /// <see cref="ImRelayEndpointRouteBuilderExtensions.MapImRelay"/>.
    /// </summary>
    public static IServiceCollection AddImRelay(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ImRelayOptions>().Bind(section).ValidateOnStart();
        return services.AddImRelayCore();
    }

    /// <summary>Adds a relay node bound to the configuration section at <paramref name="configSectionPath"/>.</summary>
    public static IServiceCollection AddImRelay(this IServiceCollection services, string configSectionPath = ImRelayOptions.SectionName)
    {
        services.AddOptions<ImRelayOptions>().BindConfiguration(configSectionPath).ValidateOnStart();
        return services.AddImRelayCore();
    }

    private static IServiceCollection AddImRelayCore(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImRelayOptions>, ImRelayOptionsValidator>());
        // The drain needs its ShutdownTimeout, and Kestrel and the rest of the host a moment after it.
        services.AddOptions<HostOptions>().Configure<IOptions<ImRelayOptions>>((host, relay) =>
        {
            var needed = relay.Value.ShutdownTimeout + TimeSpan.FromSeconds(1);
            if (host.ShutdownTimeout < needed) host.ShutdownTimeout = needed;
        });
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RelayNode>();
        services.TryAddSingleton<RelayMetrics>();
        services.TryAddSingleton<NodeStatsCollector>();
        services.TryAddSingleton<LocalIndex>();
        services.TryAddSingleton<RelayDrain>();
        services.TryAddSingleton<SendBatchPool>();
        services.TryAddSingleton<RelayDispatcher>();
        services.TryAddSingleton<RelayPresence>();
        services.TryAddSingleton<ConnectionTracker>();
        services.TryAddSingleton<StreamRecovery>();
        services.TryAddSingleton<ClientCommandHandler>();
        services.TryAddSingleton<ConnectionRunner>();
        services.TryAddSingleton<OriginPolicy>();
        services.TryAddSingleton<ConnectRateLimiter>();
        services.TryAddSingleton<RelayHandshake>();
        services.TryAddSingleton<RelayEndpoint>();
        services.TryAddSingleton<RelayHealth>();
        services.AddHostedService<RelayNodeService>();
        return services;
    }
}
