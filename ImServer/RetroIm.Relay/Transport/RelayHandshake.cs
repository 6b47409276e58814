using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Hosting;

namespace RetroIm.Relay.Transport;

/// <summary>
/// Every decision about a <c>/ws</c> request before the upgrade — connect rate per IP, Origin, upgrade shape, node
/// state, token — in one place, so the HTTP endpoint (<see cref="RelayEndpoint"/>) and the relay's own listener
/// (<see cref="RelayListener"/>) refuse and accept exactly alike. It logs and counts refusals; the caller
/// only renders the <see cref="HandshakeDecision"/>.
/// </summary>
internal sealed class RelayHandshake(
    RelayNode node,
    IImBackplane backplane,
    RelayMetrics metrics,
    OriginPolicy origins,
    ConnectRateLimiter connectLimiter,
    ConnectionTracker tracker,
    IOptions<ImRelayOptions> options,
    ILogger<RelayHandshake> logger)
{
    private readonly int _maxConnections = ConnectionLimit.Resolve(options.Value.MaxConnections);

    // Tokens are 22+ base64url characters; anything huge is not one and is not worth a backplane round trip.
    private const int MaxTokenLength = 256;

    public async Task<HandshakeDecision> DecideAsync(HandshakeInput request, CancellationToken cancellationToken)
    {
        // Before anything that costs: a client hammering /ws (guessing tokens, reconnecting in a loop) stops here.
        if (!connectLimiter.TryAcquire(request.RemoteAddress, out var retryAfter))
        {
            metrics.LimitExceeded("connect_rate");
            return Refuse(StatusCodes.Status429TooManyRequests, "connect_rate", "too many connects from this address, retry later",
                retryAfterSeconds: Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)));
        }
        if (!origins.IsAllowed(request.Origin ?? ""))
        {
            return Refuse(StatusCodes.Status403Forbidden, "origin", "origin not allowed");
        }
        if (!request.IsWebSocketRequest)
        {
            return Refuse(StatusCodes.Status400BadRequest, "not_websocket", "expected a WebSocket upgrade");
        }
        if (!node.Accepting || node.Id is not { } nodeId)
        {
            return Refuse(StatusCodes.Status503ServiceUnavailable, "unavailable",
                node.Stopping || node.Draining ? "node is draining or shutting down, reconnect with a fresh URL" : "node is starting");
        }
        if (_maxConnections > 0 && tracker.Active >= _maxConnections)
        {
            metrics.LimitExceeded("connections");
            return Refuse(StatusCodes.Status503ServiceUnavailable, "full", $"node is full ({_maxConnections} connections), retry later",
                retryAfterSeconds: 1);
        }
        var token = request.Token;
        if (token.Length == 0)
        {
            return Refuse(StatusCodes.Status401Unauthorized, "missing_token", "missing token");
        }
        if (token.Length > MaxTokenLength)
        {
            return Refuse(StatusCodes.Status401Unauthorized, "unknown_token", "unknown, used or expired token");
        }

        TicketRedeemResult redeemed;
        try
        {
            redeemed = await backplane.RedeemTicketAsync(token, nodeId, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            RelayLog.RedeemFailed(logger, e);
            return Refuse(StatusCodes.Status503ServiceUnavailable, "backplane", "backplane unavailable, retry later");
        }

        switch (redeemed.Status)
        {
            case TicketStatus.Ok when redeemed.Ticket is { } ticket:
                return HandshakeDecision.Accept(ticket);
            case TicketStatus.WrongNode:
                return await WrongNodeAsync(redeemed.OwnerNodeId, TokenHint(token), cancellationToken);
            default:
                RelayLog.RefusedToken(logger, StatusCodes.Status401Unauthorized, "unknown_token", TokenHint(token));
                return Refuse(StatusCodes.Status401Unauthorized, "unknown_token", "unknown, used or expired token", log: false);
        }
    }

    /// <summary>The value of a Retry-After header for <paramref name="decision"/>, or null.</summary>
    public static string? RetryAfter(HandshakeDecision decision) =>
        decision.RetryAfterSeconds > 0 ? decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) : null;

    private async Task<HandshakeDecision> WrongNodeAsync(string? ownerNodeId, string tokenHint, CancellationToken cancellationToken)
    {
        string? url = null;
        if (ownerNodeId is not null)
        {
            try
            {
                foreach (var live in await backplane.GetNodesAsync(cancellationToken))
                {
                    if (live.Id == ownerNodeId) url = live.Url;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                RelayLog.RedeemFailed(logger, e);
            }
        }
        RelayLog.RefusedToken(logger, StatusCodes.Status421MisdirectedRequest, "wrong_node", tokenHint);
        metrics.Refused("wrong_node");
        return new HandshakeDecision(StatusCodes.Status421MisdirectedRequest, "wrong_node", null,
            WrongNode: new WrongNodeResponse("wrong_node", ownerNodeId, url));
    }

    private HandshakeDecision Refuse(int status, string reason, string message, bool log = true, int retryAfterSeconds = 0)
    {
        if (log) RelayLog.Refused(logger, status, reason);
        metrics.Refused(reason);
        return new HandshakeDecision(status, reason, message, RetryAfterSeconds: retryAfterSeconds);
    }

    /// <summary>At most the first 4 characters, so logs can correlate a refusal without leaking a usable token.</summary>
    private static string TokenHint(string token) => token.Length <= 4 ? "****" : token[..4] + "…";
}
