using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay;

/// <summary>Installs the relay's WebSocket upgrade on a Kestrel endpoint, ahead of HTTP.</summary>
public static class ImRelayListenOptionsExtensions
{
    /// <summary>
    /// Answers WebSocket upgrades to <paramref name="path"/> on this endpoint in a connection middleware, off the HTTP
    /// pipeline (about a third of the memory per idle connection); every other request, and anything on a TLS
    /// endpoint, goes on to HTTP unchanged. Map <see cref="ImRelayEndpointRouteBuilderExtensions.MapImRelay"/> on the
    /// same path too: it serves what the middleware leaves to HTTP (for example an upgrade sent after other requests
    /// on a kept-alive connection). Call it from <c>ConfigureKestrel(k =&gt; k.ConfigureEndpointDefaults(l =&gt; l.UseImRelay()))</c>.
    /// </summary>
    public static ListenOptions UseImRelay(this ListenOptions listenOptions, string path = "/ws")
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var services = listenOptions.ApplicationServices;
        // Resolved when Kestrel builds the endpoint's pipeline, after its options are final.
        listenOptions.Use(next => new RelayUpgradeMiddleware(next,
            services.GetRequiredService<RelayHandshake>(),
            services.GetRequiredService<ConnectionRunner>(),
            services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.RequestHeadersTimeout,
            path,
            services.GetRequiredService<ILogger<RelayUpgradeMiddleware>>()).OnConnectionAsync);
        return listenOptions;
    }
}
