using System.Diagnostics;
using System.Text.Json;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>
/// Runs one scenario against one system: start its cluster, connect every client through the load generators, hold
/// them idle (memory, idle CPU), then the scenario's phase. Returns the figures in the order they are printed.
/// </summary>
internal sealed partial class ScenarioRunner(BenchOptions options, IBenchTarget target)
{
    public const string ClientPrefix = "c";
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly List<LoadGenProcess> _loadGens = [];
    private readonly Dictionary<string, object?> _figures = [];
    private long _connected;
    private long? _rssBeforeGc;

    public async Task<Dictionary<string, object?>> RunAsync()
    {
        try
        {
            Console.Error.WriteLine($"[{target.Name}] starting {options.Nodes} node(s)");
            await target.StartAsync(options.Nodes);
            PinNodes();
            await target.PrepareAsync(options.Scenario, ClientPrefix, options.Clients);
            await SettleAsync(); // fresh processes settle (JIT, first GCs) before the baseline
            var rssBefore = SumRss(target.ServerProcessIds);
            if (options.Scenario == "idle" && await target.CollectGarbageAsync()) _rssBeforeGc = SumRss(target.ServerProcessIds);

            await ConnectAsync();
            await IdleAsync(rssBefore);
            switch (options.Scenario)
            {
                case "fanout":
                    var warm = await WarmUpAsync(ChannelPlan(0, WarmUpMessages(options.Rate / Math.Max(1, _connected)), options.Rate));
                    await DeliveryPhaseAsync(ChannelPlan(warm, options.MessagesOrDefault, options.Rate), _figures);
                    break;
                case "direct":
                    // Direct plans number each client's messages from firstSeq: one round per message.
                    var rounds = await WarmUpAsync(new PublishPlan(true, 0, WarmUpMessages(options.Rate / Math.Max(1, options.Clients)), options.Clients, options.Rate, options.Size));
                    await DeliveryPhaseAsync(new PublishPlan(true, rounds, options.MessagesOrDefault, options.Clients, options.Rate, options.Size), _figures);
                    break;
                case "ceiling":
                    await CeilingAsync(await WarmUpAsync(ChannelPlan(0, WarmUpMessages(options.Rate / 4 / Math.Max(1, _connected)), options.Rate / 4)));
                    break;
                case "recover":
                    await RecoverAsync();
                    break;
            }
            return _figures;
        }
        finally
        {
            foreach (var g in _loadGens) await g.DisposeAsync();
            await target.DisposeAsync();
        }
    }

    /// <summary>Each node on a core of its own, unless <c>--no-pin</c> (<see cref="NodePinning"/>); <c>node_cpus</c>.</summary>
    private void PinNodes()
    {
        if (!options.Pin)
        {
            _figures["node_cpus"] = "unpinned";
            return;
        }
        var cpus = NodePinning.AllowedCpus();
        var pids = target.ServerProcessIds;
        var placed = pids.Select((pid, i) => cpus[i % cpus.Length] is var cpu && NodePinning.Pin(pid, cpu)
            ? cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "?");
        _figures["node_cpus"] = string.Join(",", placed);
    }

    private PublishPlan ChannelPlan(long firstSeq, int messages, double deliveriesPerSecond)
        => new(false, firstSeq, messages, options.Clients, Math.Max(0.5, deliveriesPerSecond / Math.Max(1, _connected)), options.Size);

    private async Task ConnectAsync()
    {
        var count = options.LoadGenCount;
        var per = (options.Clients + count - 1) / count;
        var starting = new List<Task<LoadGenProcess>>();
        for (var first = 0; first < options.Clients; first += per)
            starting.Add(LoadGenProcess.StartAsync(target.LoadGenSpec(options.Scenario, ClientPrefix, first, Math.Min(per, options.Clients - first), options.Concurrency), Bounded));
        _loadGens.AddRange(await Task.WhenAll(starting));
        _figures["loadgen_receive"] = string.Join(",", _loadGens.Select(g => g.Receive).Distinct());

        Console.Error.WriteLine($"[{target.Name}] connecting {options.Clients} clients from {_loadGens.Count} load generator(s)");
        // Every load generator connects the first half of its clients, then (after a warm-up, for the connect scenario)
        // the rest. The first half meets cold servers and cold load generators (JIT, empty pools: cold_connects_per_s);
        // the second half meets processes that have run a while, as in production, and holds the connection rate and
        // p99 reported. (Were the halves split by process, the second half's load generators would still be compiling
        // their own code, on the same two cores.) The RSS growth over the second half is the marginal cost of a
        // connection, without those one-time costs. Without a load generator of two clients or more there are no halves.
        var halves = _loadGens.Select(g => g.Clients / 2).ToArray();
        var twoHalves = halves.Any(h => h > 0);
        var cold = await ConnectBatchAsync(_loadGens, i => twoHalves ? "connect " + halves[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : "connect");
        var (connected, failed) = (cold.Connected, cold.Failed);
        var warm = cold;
        if (twoHalves)
        {
            await SettleAsync(); // the servers finish the first half's work (tiered JIT, garbage) before sampling
            if (options.Scenario == "connect")
            {
                var lost = await ChurnAsync(cold.Connected);
                (connected, failed) = (connected - lost, failed + lost);
            }
            var rssHalf = SumRss(target.ServerProcessIds);
            var cpuHalf = SumCpu(target.ServerProcessIds);
            var redisHalf = RedisCpu();
            warm = await ConnectBatchAsync(_loadGens, _ => "connect");
            _figures["connect_server_cpu_us"] = Math.Round((SumCpu(target.ServerProcessIds) - cpuHalf) * 1e6 / Math.Max(1, warm.Connected), 0);
            _figures["connect_redis_cpu_us"] = Math.Round((RedisCpu() - redisHalf) * 1e6 / Math.Max(1, warm.Connected), 0);
            await SettleAsync();
            _figures["kb_per_conn_marginal"] = Math.Round((SumRss(target.ServerProcessIds) - rssHalf) / 1024.0 / Math.Max(1, warm.Connected), 2);
            (connected, failed) = (connected + warm.Connected, failed + warm.Failed);
        }
        _connected = connected;
        _figures["connected"] = _connected;
        _figures["connect_failed"] = failed;
        _figures["cold_connects_per_s"] = Math.Round(cold.Connected / cold.Seconds, 0);
        _figures["connects_per_s"] = Math.Round(warm.Connected / warm.Seconds, 0);
        _figures["connect_p99_ms"] = warm.P99;
    }

    /// <summary>
    /// The connect scenario's warm-up, the same for every system: <see cref="ChurnRounds"/> times, up to
    /// <see cref="ChurnClients"/> of the first half's clients close and connect again, and the servers settle. Settling
    /// alone optimises nothing: a runtime that compiles in tiers (.NET's tiered JIT, V8) counts calls before it
    /// optimises a method, and after the first half most of the connect path had run too few times for that, so the
    /// measured half paid for the compiling (45 % of a node's CPU samples were on its JIT thread). Reported as
    /// <c>connect_warmup_churned</c>; returns how many failed to connect again (counted as failed connects).
    /// </summary>
    private async Task<long> ChurnAsync(long connected)
    {
        var per = (int)Math.Min(ChurnClients / _loadGens.Count, connected / _loadGens.Count);
        if (per < 1) return 0;
        long churned = 0, lost = 0;
        for (var round = 0; round < ChurnRounds; round++)
        {
            Console.Error.WriteLine($"[{target.Name}] warm-up: {per * _loadGens.Count} clients close and connect again (not measured)");
            var result = await ConnectBatchAsync(_loadGens, _ => "churn " + per.ToString(System.Globalization.CultureInfo.InvariantCulture));
            churned += result.Connected;
            lost += result.Failed;
            await SettleAsync();
        }
        _figures["connect_warmup_churned"] = churned;
        return lost;
    }

    private const int ChurnClients = 1000;
    private const int ChurnRounds = 2;

    /// <summary>
    /// Has every load generator of <paramref name="batch"/> connect at once, the i-th with <paramref name="command"/>(i); the connected and
    /// failed counts, worst p99 and seconds taken.
    /// </summary>
    private async Task<(long Connected, long Failed, double P99, double Seconds)> ConnectBatchAsync(IReadOnlyList<LoadGenProcess> batch, Func<int, string> command)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batch.Count; i++) await batch[i].SendAsync(command(i));
        long connected = 0, failed = 0;
        var p99 = 0.0;
        foreach (var g in batch)
        {
            var ready = await g.ReadAsync(Bounded);
            connected += ready.GetProperty("connected").GetInt64();
            failed += ready.GetProperty("failed").GetInt64();
            if (ready.GetProperty("connect_p99_ms").ValueKind == JsonValueKind.Number) p99 = Math.Max(p99, ready.GetProperty("connect_p99_ms").GetDouble());
            foreach (var e in ready.GetProperty("errors").EnumerateArray()) Console.Error.WriteLine("connect error: " + e.GetString());
        }
        return (connected, failed, p99, watch.Elapsed.TotalSeconds);
    }

    private async Task IdleAsync(long rssBefore)
    {
        var seconds = options.Scenario == "idle" ? options.IdleSeconds : Math.Min(3, options.IdleSeconds);
        Console.Error.WriteLine($"[{target.Name}] holding {_connected} idle connections for {seconds} s (once the servers are quiet)");
        // The connect burst leaves work behind (tiered JIT, GC of handshake garbage); idle figures start after it.
        await SettleAsync();
        var pids = target.ServerProcessIds;
        var cpuBefore = SumCpu(pids);
        var loadCpuBefore = (await ReportAsync()).LoadGenCpu;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = SumCpu(pids) - cpuBefore;
        var loadCpu = (await ReportAsync()).LoadGenCpu - loadCpuBefore;
        var rssAfter = pids.Select(ProcStats.RssBytes).ToArray();
        _figures["rss_mb"] = Math.Round(rssAfter.Sum() / 1048576.0, 1);
        _figures["kb_per_conn"] = Math.Round((rssAfter.Sum() - rssBefore) / 1024.0 / Math.Max(1, _connected), 2);
        _figures["idle_cpu_pct"] = Math.Round(cpu / seconds * 100, 2);
        if (options.Scenario == "idle" && _rssBeforeGc is { } before && await target.CollectGarbageAsync())
        {
            // As the issue's floors were taken: RSS after a full GC, over the baseline after a full GC.
            await SettleAsync();
            _figures["kb_per_conn_after_gc"] = Math.Round((SumRss(pids) - before) / 1024.0 / Math.Max(1, _connected), 2);
        }
        _figures["idle_loadgen_cpu_pct"] = Math.Round(loadCpu / seconds * 100, 2);
    }

    /// <summary>
    /// Messages for a warm-up of about <see cref="BenchOptions.WarmUpSeconds"/> at <paramref name="perSecond"/> messages
    /// per second (at least 3): the first deliveries of a fresh process run unoptimised code (tiered JIT) and grow its pools.
    /// </summary>
    private int WarmUpMessages(double perSecond) => Math.Max(3, (int)Math.Ceiling(options.WarmUpSeconds * perSecond));

    /// <summary>
    /// Runs <paramref name="plan"/> the same way for every system and discards its figures, so the measured phase is
    /// the steady state; returns the next free sequence number. Reported as <c>warmup_messages</c>.
    /// </summary>
    private async Task<long> WarmUpAsync(PublishPlan plan)
    {
        Console.Error.WriteLine($"[{target.Name}] warm-up (not measured)");
        var scratch = new Dictionary<string, object?>();
        await DeliveryPhaseAsync(plan, scratch);
        await SettleAsync();
        _figures["warmup_messages"] = plan.Messages;
        _figures["warmup_lost"] = scratch["lost"];
        return plan.FirstSeq + plan.Messages;
    }

    /// <summary>Publishes the plan and collects what arrived: rates, latency, loss, CPU per delivery.</summary>
    private async Task DeliveryPhaseAsync(PublishPlan plan, Dictionary<string, object?> into)
    {
        await AskAllAsync("reset");
        var pids = target.ServerProcessIds;
        var cpuBefore = SumCpu(pids);
        var redisBefore = RedisCpu();
        var loadCpuBefore = (await ReportAsync()).LoadGenCpu;
        var publisherBefore = target.PublisherCpuSeconds();
        var publisherAllocBefore = target.PublisherAllocatedBytes();
        var stealBefore = ProcStats.StealSeconds();
        var allocBefore = await target.AllocationsAsync();
        await using var redis = target.RedisConnectionString is { } redisAt ? await RedisClient.ConnectAsync(RedisOptions.Parse(redisAt)) : null;
        if (redis is not null) await RedisCommandStats.ResetAsync(redis);
        Console.Error.WriteLine($"[{target.Name}] publishing {plan.Total} message(s) at {plan.PerSecond:0.#}/s ({(plan.Direct ? "direct" : "channel")})");
        var schedBefore = Sched(pids);
        var startedAt = BenchPayload.NowMicros();
        var publishSeconds = await target.PublishAsync(plan);
        var schedAfter = Sched(pids);
        var publisherCpu = target.PublisherCpuSeconds() - publisherBefore;
        var publisherAlloc = target.PublisherAllocatedBytes() - publisherAllocBefore;

        // Direct: one message per client per round; channel: every connected member gets every message.
        var expected = plan.Messages * _connected;
        // The wait for the last deliveries polls the counters only: the latencies then would take CPU from them.
        var received = (await ReportAsync(latency: false)).Received;
        var lastProgress = Stopwatch.StartNew();
        var waited = Stopwatch.StartNew();
        while (received < expected && waited.Elapsed < TimeSpan.FromSeconds(30) && lastProgress.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(Poll); // child processes: no event crosses the process boundary, so poll (bounded)
            var next = (await ReportAsync(latency: false)).Received;
            if (next > received) lastProgress.Restart();
            received = next;
        }
        var report = await ReportAsync();
        var serverCpu = SumCpu(pids) - cpuBefore;
        var steal = ProcStats.StealSeconds() - stealBefore;
        var elapsed = (BenchPayload.NowMicros() - startedAt) / 1e6;
        var allocAfter = allocBefore is null ? null : await target.AllocationsAsync();
        // The nominal window (Total / PerSecond) keeps a short run from looking faster than offered; a slow one stretches it.
        var window = Math.Max(Math.Max(publishSeconds, plan.Total / plan.PerSecond), (report.LastMessageAt - startedAt) / 1e6);
        into["messages"] = plan.Total;
        into["offered_deliveries_per_s"] = Math.Round(plan.Direct ? plan.PerSecond : plan.PerSecond * _connected, 0);
        into["deliveries_per_s"] = Math.Round(report.Received / Math.Max(window, 1e-9), 0);
        into["delivered"] = report.Received;
        into["publish_s"] = Math.Round(publishSeconds, 2);
        into["lost"] = Math.Max(0, expected - report.Received);
        into["duplicated"] = report.Duplicated;
        into["p50_ms"] = Num(report.Latency.PercentileMs(50));
        into["p99_ms"] = Num(report.Latency.PercentileMs(99));
        into["max_ms"] = Num(report.Latency.MaxMs());
        // Where the tail came from: the p99 of each window of send time (LatencyTimeline), the typical and the worst.
        var timeline = report.Timeline.Rows(startedAt);
        var windowP99 = timeline.Select(r => (double)r["p99_ms"]!).Order().ToList();
        if (windowP99.Count > 0)
        {
            into["p99_ms_typical_window"] = windowP99[windowP99.Count / 2];
            into["p99_ms_worst_window"] = windowP99[^1];
        }
        into["timeline"] = timeline;
        into["server_cpu_s"] = Math.Round(serverCpu, 2);
        into["cpu_us_per_delivery"] = Math.Round(serverCpu * 1e6 / Math.Max(1, report.Received), 2);
        if (allocBefore is not null && allocAfter is not null)
        {
            into["alloc_bytes_per_delivery"] = Math.Round((double)(allocAfter.AllocatedBytes - allocBefore.AllocatedBytes) / Math.Max(1, report.Received), 1);
            into["gc_collections"] = allocAfter.Collections - allocBefore.Collections;
            into["gc_pause_ms"] = allocAfter.PauseMs - allocBefore.PauseMs;
        }
        if (redis is not null)
        {
            // How many Redis commands each message cost (RetroIm's direct sends: how many messages one script call carried).
            var calls = new Dictionary<string, object?>();
            long scripts = 0;
            foreach (var (name, count, _) in await RedisCommandStats.ReadAsync(redis))
            {
                calls[name] = Math.Round((double)count / Math.Max(1, plan.Total), 4);
                if (name is "eval" or "evalsha") scripts += count;
            }
            into["redis_calls_per_message"] = calls;
            // Script calls of any kind (the nodes' heartbeats too, a few a second): for RetroIm's kept direct sends, how
            // many messages one call carried on average (DirectSendBatcher's group commit). Messages not kept go as plain
            // commands, so the few heartbeat calls carry none: reported only when there is a call per 100 messages or more.
            if (scripts > 0 && scripts * 100 >= plan.Total) into["messages_per_script_call"] = Math.Round((double)plan.Total / scripts, 1);
        }
        var redisCpu = RedisCpu() - redisBefore;
        var loadGenCpu = report.LoadGenCpu - loadCpuBefore;
        into["redis_cpu_s"] = Math.Round(redisCpu, 2);
        into["publisher_cpu_s"] = Math.Round(publisherCpu, 2);
        // Per message published (a direct message or a channel message), not per delivery.
        if (publisherAlloc is { } publisherBytes) into["publisher_alloc_bytes_per_message"] = Math.Round((double)publisherBytes / Math.Max(1, plan.Total), 0);
        into["loadgen_cpu_s"] = Math.Round(loadGenCpu, 2);
        AddSched(into, schedBefore, schedAfter, publishSeconds);
        // Every process of the run: on loopback the kernel charges part of the receiver's TCP work (and its wake-ups)
        // to the sender and part of the sender's to the receiver, and how it splits moves with scheduling, so the sum
        // is the figure to compare systems by when server CPU alone differs.
        into["total_cpu_us_per_delivery"] = Math.Round((serverCpu + redisCpu + publisherCpu + loadGenCpu) * 1e6 / Math.Max(1, report.Received), 2);
        // The host's other guests: CPU time this machine's cores waited for while the phase ran (publishing and the
        // wait for its last deliveries), as a share of all its cores over that time. Compare runs only when it is low.
        into["steal_s"] = Math.Round(steal, 2);
        into["steal_pct"] = ProcStats.StealPercent(steal, elapsed);
    }

    /// <summary>
    /// Polls the load generators' counters (no latencies: see <see cref="ReportAsync"/>) until <paramref name="done"/>
    /// or the timeout, then returns a full report taken after it.
    /// </summary>
    private async Task<LoadReport> UntilAsync(Func<LoadReport, bool> done, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var report = await ReportAsync(latency: false);
            if (done(report)) return await ReportAsync();
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                Console.Error.WriteLine($"[{target.Name}] gave up waiting for {what} after {watch.Elapsed.TotalSeconds:0} s (connected {report.Connected}/{_connected}, min seq {report.MinLastSeq})");
                Console.Error.WriteLine(target.ServerLogTail());
                return await ReportAsync();
            }
            await Task.Delay(Poll);
        }
    }

    private async Task AskAllAsync(string command)
    {
        foreach (var g in _loadGens) await g.AskAsync(command, Bounded);
    }

    /// <summary>
    /// Every load generator's report, merged. Without <paramref name="latency"/> ("status") only the counters: a wait
    /// that polls while messages still arrive must not make the load generators serialise thousands of latency
    /// buckets, which takes CPU from the deliveries being measured.
    /// </summary>
    private async Task<LoadReport> ReportAsync(bool latency = true)
    {
        var merged = new LoadReport();
        foreach (var g in _loadGens) merged.Add(await g.AskAsync(latency ? "report" : "status", Bounded));
        return merged;
    }

    /// <summary>
    /// Waits until the servers are quiet — under 5 % of a core each over half a second — or 20 s have passed: a fresh
    /// process keeps compiling (tiered JIT) for seconds after a burst of new work, and a figure taken meanwhile
    /// measures the compiler. At least one second. Same rule for every system.
    /// </summary>
    private async Task SettleAsync()
    {
        var pids = target.ServerProcessIds;
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            var before = SumCpu(pids);
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            if (watch.Elapsed >= TimeSpan.FromSeconds(1) && (SumCpu(pids) - before) / 0.5 < 0.05 * pids.Count) return;
        }
        Console.Error.WriteLine($"[{target.Name}] servers still busy after 20 s; measuring anyway");
    }

    private double RedisCpu() => target.RedisProcessId is { } pid ? ProcStats.CpuSeconds(pid) : 0;

    /// <summary>Redis's and each server's threads' run and run-delay seconds now (<see cref="ProcStats.SchedSeconds"/>; null where unknown).</summary>
    private SchedSnapshot Sched(IReadOnlyList<int> servers) =>
        new(target.RedisProcessId is { } pid ? ProcStats.SchedSeconds(pid) : null, servers.Select(ProcStats.SchedSeconds).ToArray());

    /// <summary>
    /// While publishing: <c>redis_run_pct</c> and <c>redis_wait_pct</c>, the shares of the time Redis ran and waited,
    /// ready, for a CPU (near 100 together: Redis always had work, and what it waited is what the other processes'
    /// CPU cost it), and <c>server_wait_s</c>, the seconds the servers' threads waited so, summed (over the threads
    /// alive from start to end of it).
    /// </summary>
    private static void AddSched(Dictionary<string, object?> into, SchedSnapshot before, SchedSnapshot after, double seconds)
    {
        if (seconds <= 0) return;
        if (before.Redis is { } rb && after.Redis is { } ra)
        {
            var (run, wait) = ProcStats.SchedDelta(rb, ra);
            into["redis_run_pct"] = Math.Round(100 * run / seconds, 1);
            into["redis_wait_pct"] = Math.Round(100 * wait / seconds, 1);
        }
        double serverWait = 0;
        for (var i = 0; i < before.Servers.Length; i++)
        {
            if (before.Servers[i] is not { } b || after.Servers[i] is not { } a) return;
            serverWait += ProcStats.SchedDelta(b, a).Wait;
        }
        if (before.Servers.Length > 0) into["server_wait_s"] = Math.Round(serverWait, 2);
    }

    /// <summary>Per thread, run and wait seconds of Redis (null: none, or unknown) and of each server, in order.</summary>
    private sealed record SchedSnapshot(Dictionary<int, RunWait>? Redis, Dictionary<int, RunWait>?[] Servers);

    private static double SumCpu(IEnumerable<int> pids) => pids.Sum(ProcStats.CpuSeconds);

    private static long SumRss(IEnumerable<int> pids) => pids.Sum(ProcStats.RssBytes);

    private static object? Num(double value) => double.IsFinite(value) ? value : null;
}
