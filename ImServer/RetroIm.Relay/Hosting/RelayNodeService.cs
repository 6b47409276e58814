using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// The node's life: join the cluster (inbox and broadcast subscriptions, first heartbeat), keep its registration alive,
/// reap dead nodes, close idle connections, and on shutdown drain every socket with 1012 and deregister — before
/// Kestrel stops, so its request-drain timeout never cuts the sockets first.
/// </summary>
internal sealed partial class RelayNodeService(
    RelayNode node,
    IImBackplane backplane,
    RelayDispatcher dispatcher,
    RelayPresence presence,
    StreamRecovery recovery,
    LocalIndex index,
    ConnectionTracker tracker,
    RelayDrain drain,
    NodeStatsCollector stats,
    IOptions<ImRelayOptions> options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<RelayNodeService> logger) : IHostedLifecycleService
{
    /// <summary>
    /// How long a node's own subscriber must have been connected before it judges others silent: longer than a
    /// subscriber's longest reconnect backoff (2 s), so after Redis comes back every live node has subscribed again.
    /// </summary>
    private static readonly TimeSpan ResubscribeGrace = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;
    private bool _topicsSubscribed;

    /// <summary>When this node's subscriber last (re)connected: it judges no peer silent until every peer had time to.</summary>
    private long _heardSince;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>With a configured Server the node joins before Kestrel listens; otherwise once it knows its address.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Server)) return;
        await JoinAsync(options.Value.Server, cancellationToken);
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (node.Id is not null) return;
        var url = ListenUrl();
        RelayLog.ServerDerived(logger, url);
        await JoinAsync(url, cancellationToken);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        node.BeginStopping();
        await _stop.CancelAsync();
        await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (node.Id is null) return;
        await DrainAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _stop.Dispose();
        return Task.CompletedTask;
    }

    private async Task JoinAsync(string server, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var url = NodeAddress.NormaliseUrl(server);
        var id = settings.NodeId ?? NodeAddress.DefaultNodeId(url);
        node.SetIdentity(id, url, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (settings.Servers is { Length: > 0 } servers && !Array.Exists(servers, s => NodeAddress.NormaliseUrl(s) == url))
        {
            RelayLog.NotInServers(logger, url);
        }
        _heardSince = time.GetTimestamp();
        await SubscribeNodeTopicsAsync(cancellationToken);
        await HeartbeatAsync(cancellationToken);
        RelayLog.NodeStarted(logger, id, url, backplane.Kind, node.Registered);
        _loops = Task.WhenAll(HeartbeatLoopAsync(_stop.Token), IdleLoopAsync(_stop.Token), SilenceLoopAsync(_stop.Token));
    }

    private string ListenUrl()
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        foreach (var address in addresses ?? [])
        {
            if (NodeAddress.FromListenAddress(address) is { } url) return url;
        }
        return "ws://127.0.0.1";
    }

    private async Task SubscribeNodeTopicsAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The batch topic first: once anyone listens there, ImHelper sends this node's direct messages only there.
            await backplane.SubscribeAsync(ImTopics.NodeBatch(node.Id!), dispatcher.BatchHandler, cancellationToken);
            await backplane.SubscribeAsync(ImTopics.Node(node.Id!), dispatcher.Handler, cancellationToken);
            await backplane.SubscribeAsync(ImTopics.All, dispatcher.Handler, cancellationToken);
            _topicsSubscribed = true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            RelayLog.SubscriptionFailed(logger, ImTopics.Node(node.Id!), e);
        }
    }

    // Nothing may end this loop but shutdown: a node whose heartbeat stopped is reaped by the others and never comes
    // back, while it still holds sockets. Each step logs its own failure and is retried next tick.
    private Task HeartbeatLoopAsync(CancellationToken cancellationToken) =>
        EveryAsync(options.Value.HeartbeatInterval, async ct =>
        {
            if (!_topicsSubscribed) await SubscribeNodeTopicsAsync(ct);
            await HeartbeatAsync(ct);
            await ReapAsync(backplane.ReapExpiredNodesAsync, RelayLog.Reaped, ct);
            try
            {
                await dispatcher.Subscriptions.ReconcileAsync(resubscribeAll: false, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                RelayLog.SubscriptionFailed(logger, "(reconcile)", e);
            }
        }, cancellationToken);

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            node.UpdateStats(stats.Take());
            var info = node.ToInfo(index.ConnectionCount);
            var isNew = await backplane.HeartbeatNodeAsync(info, options.Value.NodeTtl, cancellationToken);
            var wasRegistered = node.EverRegistered;
            node.HeartbeatSucceeded();
            if (isNew && wasRegistered)
            {
                // The backplane forgot this node (reaped while paused, or Redis lost its data): tell it again who is here.
                await SubscribeNodeTopicsAsync(cancellationToken);
                await presence.ResyncAsync(cancellationToken);
                await dispatcher.Subscriptions.ReconcileAsync(resubscribeAll: true, cancellationToken);
                // Direct messages sent meanwhile were kept in their streams but published to no node (their clients
                // looked offline); from here on they arrive live, and what came before is read back.
                recovery.CatchUpAll();
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            node.HeartbeatFailed();
            RelayLog.HeartbeatFailed(logger, e.GetType().Name + ": " + e.Message);
        }
    }

    private void OnResubscribed() => Interlocked.Exchange(ref _heardSince, time.GetTimestamp());

    /// <summary>
    /// Reaps peers nobody listens to (<see cref="ImRelayOptions.SilentNodeTimeout"/>), checking every half of it. After
    /// its own subscriber (re)connected this node waits <see cref="ResubscribeGrace"/> first: when Redis comes back,
    /// every node's subscriber reconnects within its backoff, and none of them is dead.
    /// </summary>
    private async Task SilenceLoopAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.SilentNodeTimeout;
        if (timeout <= TimeSpan.Zero) return;
        var timeoutMs = (long)timeout.TotalMilliseconds;
        backplane.Resubscribed += OnResubscribed;
        try
        {
            await EveryAsync(timeout / 2, async ct =>
            {
                if (!node.Registered || time.GetElapsedTime(Interlocked.Read(ref _heardSince)) < ResubscribeGrace) return;
                await ReapAsync(c => backplane.ReapSilentNodesAsync(node.Id!, timeout, c), (l, count, ids) => RelayLog.ReapedSilent(l, count, timeoutMs, ids), ct);
            }, cancellationToken);
        }
        finally
        {
            backplane.Resubscribed -= OnResubscribed;
        }
    }

    /// <summary>One reaping step of the loops: logs the nodes it removed, or its failure (retried next tick).</summary>
    private async Task ReapAsync(
        Func<CancellationToken, Task<IReadOnlyList<string>>> reap, Action<ILogger, int, string> reaped, CancellationToken cancellationToken)
    {
        try
        {
            var ids = await reap(cancellationToken);
            if (ids.Count > 0) reaped(logger, ids.Count, string.Join(",", ids));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            RelayLog.HeartbeatFailed(logger, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Runs <paramref name="tick"/> every <paramref name="period"/> until shutdown, which ends it quietly.</summary>
    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> tick, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken)) await tick(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One sweep for all connections instead of a timer per connection: idle sockets cost nothing extra. It closes idle
    /// connections and runs the keep-alive PINGs of sockets the relay upgraded itself (<see cref="RelayConnection.KeepAlive"/>).
    /// </summary>
    private Task IdleLoopAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var idle = settings.IdleTimeout;
        var keepAlive = settings.KeepAliveInterval;
        var keepAliveTimeout = settings.EffectiveKeepAliveTimeout;
        var shortest = idle;
        if (keepAlive > TimeSpan.Zero && keepAlive < shortest) shortest = keepAlive;
        if (keepAliveTimeout > TimeSpan.Zero && keepAliveTimeout < shortest) shortest = keepAliveTimeout;
        // Fine enough that the quarter interval over which sockets' keep-alives are spread (RelayConnection.KeepAliveDue)
        // spans several sweeps: a walk over every connection is a few field reads each.
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 32, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond));
        var keepAliveMs = keepAlive > TimeSpan.Zero ? (long)keepAlive.TotalMilliseconds : 0;
        var keepAliveTimeoutMs = keepAliveTimeout > TimeSpan.Zero ? (long)keepAliveTimeout.TotalMilliseconds : 0;
        return EveryAsync(period, _ =>
        {
            var now = Environment.TickCount64;
            foreach (var connection in index.GetAllConnections())
            {
                if (keepAliveMs > 0 && connection.KeepAlive(now, keepAliveMs, keepAliveTimeoutMs)) continue;
                if (time.GetElapsedTime(connection.LastReceiveTimestamp) > idle
                    && connection.Close(ImCloseCodes.IdleTimeout, "idle timeout: send {\"type\":\"ping\"} periodically"))
                {
                    RelayLog.IdleClosed(logger, connection.ConnectionId, connection.ClientId);
                }
            }
            return Task.CompletedTask;
        }, cancellationToken);
    }
}
