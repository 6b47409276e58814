using Microsoft.Extensions.Options;
using RetroIm.Im;

namespace RetroIm.WebApi.Admin;

/// <summary>
/// Feeds the admin graph: every <see cref="AdminOptions.SampleInterval"/> it reads the nodes' figures (published with
/// their heartbeats) into <see cref="AdminHistory"/>. Runs only while the admin is enabled.
/// </summary>
internal sealed class AdminSampler(ImClient im, AdminHistory history, IOptions<AdminOptions> options, TimeProvider time, ILogger<AdminSampler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return;
        AdminLog.Enabled(logger);
        using var timer = new PeriodicTimer(settings.SampleInterval, time);
        try
        {
            do
            {
                await SampleAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var nodes = await im.GetNodesAsync(cancellationToken);
            var points = new AdminNodeSample[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                points[i] = new AdminNodeSample(node.Id, node.Connections, node.Stats?.MessagesOutPerSec ?? 0, node.Stats?.MessagesInPerSec ?? 0);
            }
            history.Add(new AdminSample(time.GetUtcNow().ToUnixTimeMilliseconds(), points));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Redis away for a moment: a gap in the graph, not a dead sampler.
            AdminLog.SampleFailed(logger, e.GetType().Name + ": " + e.Message);
        }
    }
}
