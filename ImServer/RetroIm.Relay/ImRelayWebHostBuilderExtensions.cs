using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay;

/// <summary>Has the relay accept the host's TCP connections itself.</summary>
public static class ImRelayWebHostBuilderExtensions
{
    /// <summary>
    /// Replaces Kestrel's socket transport with the relay's listener on every TCP endpoint: WebSocket upgrades to
    /// <paramref name="path"/> are answered before HTTP and run on the bare socket (an idle connection keeps no Kestrel
    /// connection, HTTP request or WebSocket object: about half the memory), and every other connection — other
    /// paths, TLS, HTTP/2, unusual heads — is handed to Kestrel untouched. Map
    /// <see cref="ImRelayEndpointRouteBuilderExtensions.MapImRelay"/> on the same path too: it serves the upgrades the
    /// listener leaves to HTTP (<c>wss://</c> terminated by Kestrel, an upgrade after other requests on a kept-alive
    /// connection, heads over 8 KB). Call it after <c>AddImRelay</c>:
    /// <c>builder.WebHost.UseImRelayListener("/ws")</c>.
    /// </summary>
    public static IWebHostBuilder UseImRelayListener(this IWebHostBuilder builder, string path = "/ws")
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!path.StartsWith('/') || path.Contains('?', StringComparison.Ordinal) || path.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException("The relay path must start with '/' and hold no query or spaces.", nameof(path));
        }
        builder.ConfigureServices(services =>
        {
            // The relay's listener is the transport: Kestrel must not bind the same endpoints with its own.
            services.RemoveAll<IConnectionListenerFactory>();
            services.AddSingleton<IConnectionListenerFactory>(provider => new RelayListenerFactory(
                provider.GetRequiredService<IOptions<SocketTransportOptions>>(),
                provider.GetRequiredService<ILoggerFactory>(),
                provider.GetRequiredService<RelayHandshake>(),
                provider.GetRequiredService<ConnectionRunner>(),
                provider.GetRequiredService<IOptions<ImRelayOptions>>().Value.HeadTimeout,
                path));
        });
        return builder;
    }
}
