using System.Text.Json;
using RetroIm.Im;
using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Push;

/// <summary>
/// Pushes committed changes to the retro's channel. A push never fails the request that made the change: the change is
/// already committed, and a client that misses an event sees the version gap on the next one (or refetches on reconnect).
/// </summary>
internal sealed class RetroPublisher(ImClient im, ILogger<RetroPublisher> logger)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(5);

    public async Task PublishAsync(IReadOnlyList<RetroEvent> events)
    {
        foreach (var evt in events)
        {
            try
            {
                // Serialised here so the wire shape is ours (camelCase, nulls kept), whatever ImClient's defaults are.
                var json = JsonSerializer.SerializeToUtf8Bytes(evt, RetroJsonContext.Default.RetroEvent);
                // Not the request's token: the change is committed, so its event goes out even if the caller left.
                using var timeout = new CancellationTokenSource(PushTimeout);
                await im.SendChanMessageAsync(null, RetroChannels.For(evt.RetroId), json, timeout.Token);
            }
            catch (Exception ex)
            {
                PushLog.PushFailed(logger, ex, evt.Type, evt.RetroId, evt.Version);
            }
        }
    }
}
