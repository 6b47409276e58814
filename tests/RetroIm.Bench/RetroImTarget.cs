using System.Diagnostics;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Bench;

/// <summary>
/// RetroIm: redis-server plus N ImServer processes (Release build), published to through ImClient in this process,
/// exactly as business code would. Nodes run the test heartbeat (1 s, TTL 3 s) so a killed node is noticed in seconds.
/// </summary>
internal sealed class RetroImTarget(bool ephemeral = false) : IBenchTarget
{
    public const string Chan = "bench";
    private readonly List<ImServerProcess> _nodes = [];
    private readonly HashSet<int> _killed = [];
    private RedisServer? _redis;
    private RedisBackplane? _backplane;
    private ImClient? _im;

    public string Name => "RetroIm";

    public bool ReplaysMissedMessages => true;

    public IReadOnlyList<int> ServerProcessIds => _nodes.Where((_, i) => !_killed.Contains(i)).Select(n => n.ProcessId).ToArray();

    public int? RedisProcessId => _redis?.ProcessId;

    public string? RedisConnectionString => _redis?.ConnectionString;

    public double PublisherCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    public long? PublisherAllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);

    private ImClient Im => _im ?? throw new InvalidOperationException("not started");

    public async Task StartAsync(int nodes)
    {
        _redis = await RedisServer.StartAsync();
        // Nodes start one after the other: on two shared cores parallel JIT only makes each start slower.
        for (var i = 0; i < nodes; i++)
        {
            _nodes.Add(await ImServerProcess.StartAsync(_redis.Port,
            [
                "--Logging:LogLevel:Default=Warning",
                "--ImServer:SendQueueLimit=4096",
                // The load generator's clients do not send {"type":"ping"}; runs may outlast the 45 s default.
                "--ImServer:IdleTimeout=01:00:00",
                // POST /debug/gc for the idle scenario's after-GC memory (loopback only, a benchmark node).
                "--ImServer:DebugEndpoints=true",
            ], TimeSpan.FromSeconds(60)));
        }
        _backplane = new RedisBackplane(RedisOptions.Parse(_redis.ConnectionString));
        _im = new ImClient(_backplane);
        await Wait.UntilAsync(async () => (await Im.GetNodesAsync()).Count == nodes, TimeSpan.FromSeconds(30), "every node registered");
    }

    public async Task PrepareAsync(string scenario, string prefix, int clients)
    {
        if (scenario is not ("fanout" or "ceiling" or "recover")) return;
        for (var first = 0; first < clients; first += 1000)
        {
            var batch = Enumerable.Range(first, Math.Min(1000, clients - first)).Select(i => prefix + i).ToArray();
            await Im.JoinChanAsync(Chan, batch);
        }
    }

    public LoadGenSpec LoadGenSpec(string scenario, string prefix, int first, int count, int concurrency)
        => new("retroim", _redis!.ConnectionString, [], prefix, first, count, concurrency, null, scenario == "recover");

    public async Task<double> PublishAsync(PublishPlan plan)
    {
        var watch = Stopwatch.StartNew();
        var interval = 1.0 / plan.PerSecond;
        if (!plan.Direct)
        {
            // One channel: sends go one after the other so the channel's order is the sequence order.
            for (var k = 0; k < plan.Messages; k++)
            {
                await DueAsync(watch, k * interval);
                await Im.SendChanMessageAsync(null, Chan, BenchPayload.Create(BenchPayload.NowMicros(), plan.FirstSeq + k, plan.Size));
            }
            return watch.Elapsed.TotalSeconds;
        }

        // Direct: up to 1,024 sends in flight (the Redis connection pipelines them); a client's next message is a whole
        // round (Clients messages) later, so overlap never reorders one client's messages.
        var names = new string[plan.Clients];
        for (var i = 0; i < names.Length; i++) names[i] = ScenarioRunner.ClientPrefix + i;
        using var sends = new DirectSends(Im, ephemeral);
        for (long k = 0; k < plan.Total; k++)
        {
            await DueAsync(watch, k * interval);
            await sends.WaitForSlotAsync();
            sends.Start(names[k % plan.Clients], BenchPayload.Create(BenchPayload.NowMicros(), plan.FirstSeq + k / plan.Clients, plan.Size));
        }
        await sends.DrainAsync(plan.AnswerBound);
        return watch.Elapsed.TotalSeconds;
    }

    private static async ValueTask DueAsync(Stopwatch watch, double dueSeconds)
    {
        var wait = dueSeconds - watch.Elapsed.TotalSeconds;
        // Timers are ~1 ms coarse: only sleep when it is worth it, otherwise send what is due at once.
        if (wait > 0.002) await Task.Delay(TimeSpan.FromSeconds(wait));
    }

    public Task<bool> CollectGarbageAsync() => ServerDebug.CollectGarbageAsync(LivePorts());

    public async Task<ServerAllocations?> AllocationsAsync() => await ServerDebug.AllocationsAsync(LivePorts());

    private IEnumerable<int> LivePorts() => _nodes.Where((_, i) => !_killed.Contains(i)).Select(n => n.Port);

    public string ServerLogTail() => string.Join(Environment.NewLine, _nodes.Select((n, i) =>
        _killed.Contains(i) ? "" : $"----- node {i} (pid {n.ProcessId}) -----{Environment.NewLine}{n.Log.Tail(60)}"));

    public void KillNode(int index)
    {
        _nodes[index].Kill();
        _killed.Add(index);
    }

    public async ValueTask DisposeAsync()
    {
        if (_im is not null) await _im.DisposeAsync();
        if (_backplane is not null) await _backplane.DisposeAsync();
        foreach (var n in _nodes) await n.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
