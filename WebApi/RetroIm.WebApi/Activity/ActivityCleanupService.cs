using Dapper;
using Microsoft.Extensions.Options;
using RetroIm.WebApi.Data;
using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Activity;

/// <summary>Deletes activity older than <see cref="RetroOptions.ActivityRetentionDays"/>, at start and then daily.</summary>
internal sealed class ActivityCleanupService(RetroDb db, IOptions<RetroOptions> options, TimeProvider time, ILogger<ActivityCleanupService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    public async Task<int> DeleteExpiredAsync(CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.ActivityRetentionDays).ToUnixTimeMilliseconds();
        await using var connection = await db.OpenAsync(ct);
        await using var transaction = RetroDb.BeginWrite(connection);
        var deleted = await connection.ExecuteAsync("DELETE FROM activity WHERE at < @cutoff;", new { cutoff }, transaction);
        await transaction.CommitAsync(ct);
        if (deleted > 0) ActivityLog.ExpiredDeleted(logger, deleted, options.Value.ActivityRetentionDays);
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await DeleteExpiredAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next run tries again; an old activity row for one more day harms nobody.
                ActivityLog.CleanupFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
