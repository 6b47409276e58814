using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// Moves this node's clients to other nodes without a reconnect storm. The node marks itself draining (new
/// connections get 503, and its heartbeat tells ImHelper to route new clients elsewhere, while the connections it
/// still holds stay registered), then gives each client <c>{"type":"reconnect","afterMs":n}</c> with n random in
/// [0, window], and closes with 1012 whatever is still open a grace period after its n (<c>ImServer:DrainGrace</c> for
/// <c>imctl drain</c>, <see cref="ShutdownGrace"/> on SIGTERM).
/// </summary>
/// <remarks>
/// Draining is one-way: the node keeps draining until it restarts (a deploy drains, then stops the node). A second
/// pass (SIGTERM during <c>imctl drain</c>) re-times the remaining clients to its shorter window; closing a
/// connection twice is harmless.
/// </remarks>
internal sealed class RelayDrain(
    RelayNode node,
    IImBackplane backplane,
    LocalIndex index,
    IOptions<ImRelayOptions> options,
    TimeProvider time,
    ILogger<RelayDrain> logger)
{
    /// <summary>
    /// On SIGTERM, how long after its <c>afterMs</c> a client that did not move by itself is closed: short, the process
    /// must exit within ShutdownTimeout. <c>imctl drain</c> uses ImServer:DrainGrace instead, long enough for a client
    /// whose timers are throttled (a background tab) or whose URL provider is slow to open its new connection before
    /// the old one closes — else presence flickers offline/online.
    /// </summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A drain packet arrived (<c>imctl drain</c>): drain over DrainWindow in the background.</summary>
    public void Request()
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await DrainAsync(options.Value.DrainWindow, options.Value.DrainGrace, CancellationToken.None);
            }
            catch (Exception e)
            {
                RelayDrainLog.DrainFailed(logger, e);
            }
        });
    }

    /// <summary>
    /// Marks the node draining, tells the backplane at once, and spreads the clients' reconnects over
    /// <paramref name="window"/>; completes once every connection it saw was asked to close.
    /// </summary>
    public async Task DrainAsync(TimeSpan window, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (window < TimeSpan.Zero) window = TimeSpan.Zero;
        if (node.BeginDraining()) await AnnounceAsync(cancellationToken);
        var connections = index.GetAllConnections();
        RelayDrainLog.Draining(logger, connections.Length, (long)window.TotalMilliseconds);
        var started = time.GetTimestamp();

        // Each client hears its own delay now, so it can reconnect at that moment while its socket still works.
        var due = new (long AfterMs, RelayConnection Connection)[connections.Length];
        var windowMs = (long)window.TotalMilliseconds;
        for (var i = 0; i < connections.Length; i++)
        {
            var afterMs = windowMs == 0 ? 0 : Random.Shared.NextInt64(windowMs + 1);
            due[i] = (afterMs, connections[i]);
            connections[i].TrySend(new OutFrame(ReconnectFrame(afterMs)));
        }
        Array.Sort(due, static (a, b) => a.AfterMs.CompareTo(b.AfterMs));

        foreach (var (afterMs, connection) in due)
        {
            var wait = TimeSpan.FromMilliseconds(afterMs) + grace - time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
            connection.Close(ImCloseCodes.ServiceRestart, "node draining: reconnect elsewhere");
        }

        // Connections that registered while the drain began did not get a delay: move them now.
        foreach (var late in index.GetAllConnections()) late.Close(ImCloseCodes.ServiceRestart, "node draining: reconnect elsewhere");
        RelayDrainLog.Drained(logger, (long)time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary><c>{"type":"reconnect","afterMs":1234}</c></summary>
    internal static byte[] ReconnectFrame(long afterMs)
        => Encoding.UTF8.GetBytes("{\"type\":\"reconnect\",\"afterMs\":" + afterMs.ToString(CultureInfo.InvariantCulture) + "}");

    /// <summary>One heartbeat with the draining flag, so routing skips this node now rather than at the next tick.</summary>
    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        if (node.Id is null || node.Deregistered) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HeartbeatTimeout);
        try
        {
            await backplane.HeartbeatNodeAsync(node.ToInfo(index.ConnectionCount), options.Value.NodeTtl, timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The periodic heartbeat carries the flag too; until then new tickets get 503 here and retry elsewhere.
            RelayDrainLog.AnnounceFailed(logger, e.GetType().Name + ": " + e.Message);
        }
    }
}
