using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RetroIm.Im;

namespace RetroIm.WebApi.Admin;

/// <summary>
/// The admin HTTP API under /api/admin (every call needs the <c>X-Admin-Key</c> header) and the page at /admin
/// (Clients/web/admin.html, which asks for the key and polls this API).
/// </summary>
internal static class AdminApi
{
    private const int MaxClients = 200;

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin", (IOptions<AdminOptions> options) => options.Value.Enabled
                ? Results.Redirect("/admin.html")
                : Results.Problem("The admin page is disabled: set Admin:Key (e.g. the environment variable Admin__Key) to enable it.",
                    statusCode: StatusCodes.Status404NotFound, title: "Admin disabled"))
            .ExcludeFromDescription();

        var api = routes.MapGroup("/api/admin").WithTags("Admin").AddEndpointFilter<AdminKeyFilter>();
        api.MapGet("/nodes", GetNodesAsync).WithSummary("Live relay nodes: connections, clients, channels, message and byte rates, queue drops");
        api.MapGet("/chans", GetChansAsync).WithSummary("Channels with their member and online counts");
        api.MapGet("/clients", GetClientsAsync).WithSummary("Online clients (the first by id, at most 200) with the nodes holding them");
        api.MapGet("/clients/{clientId}", GetClientAsync).WithSummary("Which nodes hold a client's connections");
        api.MapPost("/clients/{clientId}/kick", KickAsync).WithSummary("Close every connection of a client (ImClient.ForceOfflineAsync)");
        api.MapGet("/history", GetHistory).WithSummary("Connections and messages/s per node over the last minutes, for the graph");
        return routes;
    }

    private static async Task<Ok<AdminNodesResponse>> GetNodesAsync(ImClient im, TimeProvider time, CancellationToken ct)
        => TypedResults.Ok(new AdminNodesResponse(time.GetUtcNow().ToUnixTimeMilliseconds(), await im.GetNodesAsync(ct)));

    private static async Task<Ok<AdminChansResponse>> GetChansAsync(ImClient im, CancellationToken ct)
    {
        var chans = await im.GetChanListAsync(ct);
        return TypedResults.Ok(new AdminChansResponse([.. chans.OrderBy(c => c.Chan, StringComparer.Ordinal)]));
    }

    private static async Task<Ok<AdminClientsResponse>> GetClientsAsync(ImClient im, int? limit, CancellationToken ct)
    {
        var online = await im.GetClientListByOnlineAsync(ct);
        var take = Math.Clamp(limit ?? 50, 1, MaxClients);
        var shown = online.Order(StringComparer.Ordinal).Take(take).ToList();
        var clients = await Task.WhenAll(shown.Select(async id =>
        {
            var nodes = await im.WhoAsync(id, ct);
            return new AdminClient(id, nodes.Count > 0, nodes);
        }));
        return TypedResults.Ok(new AdminClientsResponse(online.Count, clients));
    }

    private static async Task<Results<Ok<AdminClient>, ProblemHttpResult>> GetClientAsync(ImClient im, string clientId, CancellationToken ct)
    {
        if (InvalidClientId(clientId) is { } problem) return problem;
        var nodes = await im.WhoAsync(clientId, ct);
        return TypedResults.Ok(new AdminClient(clientId, nodes.Count > 0, nodes));
    }

    private static async Task<Results<Ok<AdminKickResponse>, ProblemHttpResult>> KickAsync(
        ImClient im, string clientId, ILoggerFactory loggers, CancellationToken ct)
    {
        if (InvalidClientId(clientId) is { } problem) return problem;
        var wasOnline = await im.HasOnlineAsync(clientId, ct);
        await im.ForceOfflineAsync(clientId, ct);
        AdminLog.Kicked(loggers.CreateLogger(typeof(AdminApi)), clientId, wasOnline);
        return TypedResults.Ok(new AdminKickResponse(clientId, wasOnline, Kicked: true));
    }

    private static Ok<AdminHistoryResponse> GetHistory(AdminHistory history, IOptions<AdminOptions> options)
        => TypedResults.Ok(new AdminHistoryResponse((long)options.Value.SampleInterval.TotalMilliseconds, history.Capacity, history.Snapshot()));

    private static ProblemHttpResult? InvalidClientId(string clientId)
        => clientId.Length is > 0 and <= ImClient.MaxClientIdLength ? null
            : TypedResults.Problem($"A client id must have 1 to {ImClient.MaxClientIdLength} characters.",
                statusCode: StatusCodes.Status400BadRequest, title: "Invalid client id");
}
