using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.WebApi.Data;

namespace RetroIm.WebApi.Health;

internal static class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", CheckAsync)
            .WithTags("Health")
            .WithSummary("SQLite, the ImServer backplane (redis or embedded memory) and the number of live relay nodes");
        return routes;
    }

    private static async Task<JsonHttpResult<HealthReport>> CheckAsync(RetroDb db, IImBackplane backplane, ImClient im, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(HealthApi));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CheckTimeout);

        var sqlite = await ProbeAsync(logger, "sqlite", async token =>
        {
            await using var connection = await db.OpenAsync(token);
            return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations;") > 0;
        }, timeout.Token);
        var reachable = await ProbeAsync(logger, "backplane", async token =>
        {
            await backplane.PingAsync(token);
            return true;
        }, timeout.Token);
        var nodes = reachable ? await CountNodesAsync(logger, im, timeout.Token) : 0;

        var healthy = sqlite && reachable;
        // Without SQLite nothing works; without the backplane the API works but pushes and connect URLs fail until
        // Redis is back (ImHelper reconnects by itself), so that is "degraded".
        var (status, reason) = !sqlite ? ("unhealthy", "the SQLite database does not answer")
            : !reachable ? ("degraded", $"the {backplane.Kind} backplane is unreachable: pushes and connect URLs fail until it is back")
            : ("healthy", (string?)null);
        var report = new HealthReport(status, reason, sqlite, new BackplaneHealth(backplane.Kind, reachable), nodes);
        return TypedResults.Json(report, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<bool> ProbeAsync(ILogger logger, string component, Func<CancellationToken, Task<bool>> check, CancellationToken ct)
    {
        try
        {
            return await check(ct);
        }
        catch (Exception ex)
        {
            HealthLog.CheckFailed(logger, ex, component);
            return false;
        }
    }

    private static async Task<int> CountNodesAsync(ILogger logger, ImClient im, CancellationToken ct)
    {
        try
        {
            return (await im.GetNodesAsync(ct)).Count;
        }
        catch (Exception ex)
        {
            HealthLog.CheckFailed(logger, ex, "nodes");
            return 0;
        }
    }
}
