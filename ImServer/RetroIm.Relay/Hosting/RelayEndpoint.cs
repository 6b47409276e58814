using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// <c>GET /ws?token=…</c> through the HTTP pipeline: <see cref="RelayHandshake"/> decides, this renders the refusal as
/// an HTTP response or accepts; the connection itself is <see cref="ConnectionRunner"/>'s. Hosts with the relay's own
/// listener (<see cref="RelayListener"/>) only get here for upgrades it left to HTTP.
/// </summary>
internal sealed class RelayEndpoint(RelayHandshake handshake, ConnectionRunner runner, IOptions<ImRelayOptions> options)
{
    public async Task HandleAsync(HttpContext context)
    {
        var input = new HandshakeInput(context.Connection.RemoteIpAddress, context.Request.Headers.Origin.ToString(),
            context.WebSockets.IsWebSocketRequest, context.Request.Query["token"].ToString());
        var decision = await handshake.DecideAsync(input, context.RequestAborted);
        if (decision.Ticket is { } ticket)
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync(AcceptContext(options.Value));
            await runner.RunAsync(socket, ticket, context.RequestAborted, context.Request.Query["recover"].ToString());
            return;
        }
        context.Response.StatusCode = decision.Status;
        if (RelayHandshake.RetryAfter(decision) is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter;
        if (decision.WrongNode is { } wrongNode)
        {
            await context.Response.WriteAsJsonAsync(wrongNode, RelayJsonContext.Default.WrongNodeResponse, cancellationToken: context.RequestAborted);
            return;
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(decision.Message ?? "", context.RequestAborted);
    }

    private static WebSocketAcceptContext AcceptContext(ImRelayOptions settings) => new()
    {
        KeepAliveInterval = settings.KeepAliveInterval,
        KeepAliveTimeout = settings.EffectiveKeepAliveTimeout,
    };
}
