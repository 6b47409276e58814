using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// <c>GET /ws?token=…</c>: everything that needs HTTP (refusing with a status before the upgrade, redeeming the
/// ticket, accepting); the connection itself is <see cref="ConnectionRunner"/>'s.
/// </summary>
internal sealed class RelayEndpoint(
    RelayNode node,
    IImBackplane backplane,
    ConnectionRunner runner,
    IOptions<ImRelayOptions> options,
    RelayMetrics metrics,
    OriginPolicy origins,
    ConnectRateLimiter connectLimiter,
    ILogger<RelayEndpoint> logger)
{
    // Tokens are 22+ base64url characters; anything huge is not one and is not worth a backplane round trip.
    private const int MaxTokenLength = 256;

    public async Task HandleAsync(HttpContext context)
    {
        // Before anything that costs: a client hammering /ws (guessing tokens, reconnecting in a loop) stops here.
        if (!connectLimiter.TryAcquire(context.Connection.RemoteIpAddress, out var retryAfter))
        {
            metrics.LimitExceeded("connect_rate");
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "connect_rate", "too many connects from this address, retry later");
            return;
        }
        if (!origins.IsAllowed(context.Request.Headers.Origin.ToString()))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "origin", "origin not allowed");
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "not_websocket", "expected a WebSocket upgrade");
            return;
        }
        if (!node.Accepting || node.Id is not { } nodeId)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable",
                node.Stopping || node.Draining ? "node is draining or shutting down, reconnect with a fresh URL" : "node is starting");
            return;
        }
        var token = context.Request.Query["token"].ToString();
        if (token.Length == 0)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "missing_token", "missing token");
            return;
        }
        if (token.Length > MaxTokenLength)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "unknown_token", "unknown, used or expired token");
            return;
        }

        TicketRedeemResult redeemed;
        try
        {
            redeemed = await backplane.RedeemTicketAsync(token, nodeId, context.RequestAborted);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            RelayLog.RedeemFailed(logger, e);
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "backplane", "backplane unavailable, retry later");
            return;
        }

        switch (redeemed.Status)
        {
            case TicketStatus.Ok when redeemed.Ticket is { } ticket:
                var socket = await context.WebSockets.AcceptWebSocketAsync(AcceptContext(options.Value));
                await runner.RunAsync(socket, ticket, context.RequestAborted, context.Request.Query["recover"].ToString());
                return;
            case TicketStatus.WrongNode:
                await RefuseWrongNodeAsync(context, redeemed.OwnerNodeId, TokenHint(token));
                return;
            default:
                RelayLog.RefusedToken(logger, StatusCodes.Status401Unauthorized, "unknown_token", TokenHint(token));
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "unknown_token", "unknown, used or expired token", log: false);
                return;
        }
    }

    private static WebSocketAcceptContext AcceptContext(ImRelayOptions settings) => new()
    {
        KeepAliveInterval = settings.KeepAliveInterval,
        // Off (infinite) unless set: then a PING must be answered in time or the socket is aborted as half-open.
        KeepAliveTimeout = settings.KeepAliveTimeout > TimeSpan.Zero && settings.KeepAliveInterval > TimeSpan.Zero
            ? settings.KeepAliveTimeout
            : Timeout.InfiniteTimeSpan,
    };

    private async Task RefuseWrongNodeAsync(HttpContext context, string? ownerNodeId, string tokenHint)
    {
        string? url = null;
        if (ownerNodeId is not null)
        {
            try
            {
                foreach (var live in await backplane.GetNodesAsync(context.RequestAborted))
                {
                    if (live.Id == ownerNodeId) url = live.Url;
                }
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                RelayLog.RedeemFailed(logger, e);
            }
        }
        RelayLog.RefusedToken(logger, StatusCodes.Status421MisdirectedRequest, "wrong_node", tokenHint);
        metrics.Refused("wrong_node");
        context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
        await context.Response.WriteAsJsonAsync(new WrongNodeResponse("wrong_node", ownerNodeId, url),
            RelayJsonContext.Default.WrongNodeResponse, cancellationToken: context.RequestAborted);
    }

    private async Task RefuseAsync(HttpContext context, int status, string reason, string message, bool log = true)
    {
        if (log) RelayLog.Refused(logger, status, reason);
        metrics.Refused(reason);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted);
    }

    /// <summary>At most the first 4 characters, so logs can correlate a refusal without leaking a usable token.</summary>
    private static string TokenHint(string token) => token.Length <= 4 ? "****" : token[..4] + "…";
}
