using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Hosting;
using RetroIm.Relay.Transport;

namespace RetroIm.Relay.Sse;

/// <summary>
/// The fallback transport for networks that block WebSockets. <c>GET /sse?token=…[&amp;recover=…]</c> makes the same
/// handshake decisions as <c>/ws</c> (<see cref="RelayHandshake"/>; refusals are the same HTTP statuses) and streams
/// <c>text/event-stream</c>; <c>POST /sse/send?c=…</c> with <c>Authorization: Bearer &lt;postToken&gt;</c> carries
/// one client frame up. The connection itself is an ordinary relay connection over <see cref="SseSocket"/>.
/// </summary>
/// <remarks>
/// No sticky sessions: a POST reaching a node that does not hold the stream is answered 421 with the holder's URL
/// (the <c>c</c> id names the node), which the SDK follows once — the connect URL addresses the node directly anyway.
/// </remarks>
internal sealed class SseEndpoint(
    RelayHandshake handshake,
    ConnectionRunner runner,
    RelayNode node,
    IImBackplane backplane,
    OriginPolicy origins,
    IOptions<ImRelayOptions> options,
    ILogger<SseEndpoint> logger)
{
    private readonly ConcurrentDictionary<string, SseSocket> _streams = new(StringComparer.Ordinal);

    public async Task StreamAsync(HttpContext context)
    {
        AllowOrigin(context);
        var input = new HandshakeInput(context.Connection.RemoteIpAddress, context.Request.Headers.Origin.ToString(),
            IsWebSocketRequest: HttpMethods.IsGet(context.Request.Method), context.Request.Query["token"].ToString());
        var decision = await handshake.DecideAsync(input, context.RequestAborted);
        if (decision.Ticket is not { } ticket)
        {
            await RefuseAsync(context, decision);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        // nginx and friends would otherwise hold frames back until a buffer fills.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted);

        var postToken = RandomNumberGenerator.GetBytes(16);
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12)) + "." + node.Id;
        using var socket = new SseSocket(response.BodyWriter, context.Abort, id, postToken);
        socket.WelcomeExtra = Encoding.UTF8.GetBytes(SseFrames.WelcomeExtra(id, Base64Url.EncodeToString(postToken)));
        _streams[id] = socket;
        SseLog.Opened(logger, id);
        using var gone = context.RequestAborted.Register(static s => ((SseSocket)s!).ClientGone(), socket);
        try
        {
            await runner.RunAsync(socket, ticket, context.RequestAborted, context.Request.Query["recover"].ToString());
        }
        finally
        {
            _streams.TryRemove(id, out _);
            SseLog.Closed(logger, id);
        }
    }

    public async Task SendAsync(HttpContext context)
    {
        AllowOrigin(context);
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            // CORS preflight: the page may live on another origin than the node (the POST carries Authorization).
            context.Response.Headers.AccessControlAllowMethods = "POST";
            context.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type";
            context.Response.Headers.AccessControlMaxAge = "600";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var id = context.Request.Query["c"].ToString();
        if (!_streams.TryGetValue(id, out var socket))
        {
            await NotHereAsync(context, id);
            return;
        }
        if (!Authorized(context.Request.Headers.Authorization.ToString(), socket.PostToken))
        {
            SseLog.BadPostToken(logger, id);
            await TextAsync(context, StatusCodes.Status401Unauthorized, "wrong post token");
            return;
        }
        var frame = await ReadBodyAsync(context.Request, options.Value.MaxFrameBytes, context.RequestAborted);
        if (frame is null)
        {
            await TextAsync(context, StatusCodes.Status413PayloadTooLarge, $"frame larger than {options.Value.MaxFrameBytes} bytes");
            return;
        }
        if (!socket.TryPost(frame))
        {
            var closed = socket.State != System.Net.WebSockets.WebSocketState.Open;
            await TextAsync(context, closed ? StatusCodes.Status410Gone : StatusCodes.Status429TooManyRequests,
                closed ? "connection closed" : "too many frames in flight");
            return;
        }
        // The frame's answers (pong, error, acks of publish…) come down the stream, exactly as over /ws.
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private async Task NotHereAsync(HttpContext context, string id)
    {
        var dot = id.IndexOf('.');
        var owner = dot > 0 ? id[(dot + 1)..] : null;
        if (owner is not null && owner != node.Id)
        {
            string? url = null;
            try
            {
                foreach (var live in await backplane.GetNodesAsync(context.RequestAborted))
                {
                    if (live.Id == owner) url = live.Url;
                }
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                SseLog.LookupFailed(logger, e);
            }
            if (url is not null)
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                await context.Response.WriteAsJsonAsync(new WrongNodeResponse("wrong_node", owner, HttpUrl(url)),
                    RelayJsonContext.Default.WrongNodeResponse, cancellationToken: context.RequestAborted);
                return;
            }
        }
        await TextAsync(context, StatusCodes.Status410Gone, "unknown or closed connection");
    }

    private void AllowOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !origins.IsAllowed(origin)) return;
        context.Response.Headers.AccessControlAllowOrigin = origin;
        context.Response.Headers.Vary = "Origin";
    }

    private static async Task RefuseAsync(HttpContext context, HandshakeDecision decision)
    {
        context.Response.StatusCode = decision.Status;
        if (RelayHandshake.RetryAfter(decision) is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter;
        if (decision.WrongNode is { } wrongNode)
        {
            var body = wrongNode with { Url = wrongNode.Url is null ? null : HttpUrl(wrongNode.Url) };
            await context.Response.WriteAsJsonAsync(body, RelayJsonContext.Default.WrongNodeResponse, cancellationToken: context.RequestAborted);
            return;
        }
        await TextAsync(context, decision.Status, decision.Message ?? "");
    }

    private static Task TextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message, context.RequestAborted);
    }

    /// <summary>Node URLs are ws(s)://; the SSE transport speaks http(s):// to the same host and port.</summary>
    internal static string HttpUrl(string nodeUrl) =>
        nodeUrl.StartsWith("wss://", StringComparison.OrdinalIgnoreCase) ? "https://" + nodeUrl[6..]
        : nodeUrl.StartsWith("ws://", StringComparison.OrdinalIgnoreCase) ? "http://" + nodeUrl[5..]
        : nodeUrl;

    private static bool Authorized(string header, byte[] expected)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> given = stackalloc byte[32];
        var token = header.AsSpan(scheme.Length).Trim();
        if (token.Length > 64 || Base64Url.DecodeFromChars(token, given, out _, out var written) != System.Buffers.OperationStatus.Done) return false;
        return CryptographicOperations.FixedTimeEquals(given[..written], expected);
    }

    /// <summary>The whole body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(limit + 1, 8192)];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
