using System.Diagnostics;
using System.Globalization;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Bench;

/// <summary>
/// The <c>script</c> scenario: what one direct message costs Redis, without nodes or load
/// generators, so the figure moves only with the code (a full run shares two cores among seven processes). A fresh
/// redis-server; K clients online on two nodes, registered through the backplane as a node registers them; both nodes'
/// batch topics subscribed here, so Redis does what it does in a cluster; then ImClient sends M messages,
/// each to one client in turn, up to 1,024 in flight, as fast as Redis takes them (closed loop: no rate, no latency).
/// Reports Redis's CPU per message, <c>INFO commandstats</c> per message (the script calls, whose time includes the
/// commands they run, and each command), this process's CPU and allocation per message (ImClient sending and the two
/// subscriptions receiving), and messages/s.
/// </summary>
internal static class ScriptBench
{
    private const int InFlight = 1024;

    // The backplane's key of a client's connections (README "Redis keys"), for the probe's lookups.
    private const string ClientKeyPrefix = "im:client:";
    private static readonly string[] Nodes = ["n1", "n2"];

    public static async Task<Dictionary<string, object?>> RunAsync(BenchOptions options)
    {
        var clients = options.Clients;
        var messages = options.Messages > 0 ? options.Messages : 200_000;
        await using var redis = await RedisServer.StartAsync();
        var redisOptions = RedisOptions.Parse(redis.ConnectionString);
        await using var backplane = new RedisBackplane(redisOptions);
        await using var raw = await RedisClient.ConnectAsync(redisOptions);

        for (var first = 0; first < clients; first += 1000)
        {
            await Task.WhenAll(Enumerable.Range(first, Math.Min(1000, clients - first)).Select(i =>
                backplane.AddConnectionAsync(new ConnectionRegistration(Nodes[i % Nodes.Length], ScenarioRunner.ClientPrefix + i, "k" + i, null))));
        }
        var delivered = new PacketCount();
        foreach (var node in Nodes)
        {
            await backplane.SubscribeAsync(ImTopics.NodeBatch(node), (_, batch) => RelayBatch.TryForEach(batch, delivered, static (count, _) => count.Add()));
        }
        await using var im = new ImClient(backplane, new ImHelperOptions());
        var names = Enumerable.Range(0, clients).Select(i => ScenarioRunner.ClientPrefix + i).ToArray();
        var payload = BenchPayload.Create(0, 0, options.Size);

        // --probe: the same messages' frames, as ImClient makes them, sent as plain commands (StreamSequenceProbe).
        var probeFrame = options.Probe is null ? null : ClientFrames.Message("probe-0000000000000000", null, null, BenchPayload.NowMicros() / 1000, payload);
        Task Send(int count) => probeFrame is null
            ? SendAsync(im, names, payload, count, options.Ephemeral)
            : StreamSequenceProbe.SendAsync(raw, ClientKeyPrefix, names, probeFrame, count, InFlight);

        // Warm-up (JIT, sequences created, history streams started), then the measured sends from a clean slate.
        var warm = Math.Min(messages, Math.Max(clients, 20_000));
        await Send(warm);
        await delivered.WhenAtLeastAsync(warm);
        await RedisCommandStats.ResetAsync(raw);
        var before = delivered.Value;
        var redisCpu = ProcStats.CpuSeconds(redis.ProcessId!.Value);
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var steal = ProcStats.StealSeconds();
        var watch = Stopwatch.StartNew();
        await Send(messages);
        var seconds = watch.Elapsed.TotalSeconds;
        var processCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - ownCpu;
        var processBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        await delivered.WhenAtLeastAsync(before + messages);
        redisCpu = ProcStats.CpuSeconds(redis.ProcessId!.Value) - redisCpu;
        steal = ProcStats.StealSeconds() - steal;
        var elapsed = watch.Elapsed.TotalSeconds;
        var stats = await RedisCommandStats.ReadAsync(raw);

        var figures = new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["delivered"] = delivered.Value - before,
            ["messages_per_s"] = Math.Round(messages / seconds, 0),
            ["redis_cpu_us_per_message"] = Math.Round(redisCpu * 1e6 / messages, 2),
            // This process both sends (ImClient) and receives every packet (the two subscriptions): both are in these.
            ["process_cpu_us_per_message"] = Math.Round(processCpu * 1e6 / messages, 2),
            ["process_alloc_bytes_per_message"] = Math.Round((double)processBytes / messages, 0),
        };
        if (options.Probe is not null) figures["probe"] = options.Probe;
        // The script calls' time includes the commands they run: the rest is Lua and the conversions around each call.
        double scripts = 0, commands = 0;
        var perCommand = new Dictionary<string, object?>();
        foreach (var (name, calls, usec) in stats.OrderByDescending(s => s.Usec))
        {
            if (name is "eval" or "evalsha") scripts += usec;
            else commands += usec;
            perCommand[name] = new Dictionary<string, object?>
            {
                ["calls_per_message"] = Math.Round((double)calls / messages, 3),
                ["us_per_message"] = Math.Round(usec / messages, 2),
            };
        }
        figures["commands_us_per_message"] = Math.Round(commands / messages, 2);
        if (scripts > 0)
        {
            // Kept: the commands ran inside the script calls. (Not kept there are no script calls, only the commands.)
            figures["script_us_per_message"] = Math.Round(scripts / messages, 2);
            figures["lua_us_per_message"] = Math.Round((scripts - commands) / messages, 2);
        }
        figures["commandstats"] = perCommand;
        // As in the other scenarios: the host's other guests' share of all cores while this ran; compare runs only when low.
        figures["steal_pct"] = ProcStats.StealPercent(steal, elapsed);
        return figures;
    }

    /// <summary>Prints the figures one per line, each command of <c>commandstats</c> indented.</summary>
    public static void Print(TextWriter output, Dictionary<string, object?> figures)
    {
        foreach (var (key, value) in figures)
        {
            if (value is Dictionary<string, object?> commands)
            {
                foreach (var (name, stat) in commands)
                {
                    var s = (Dictionary<string, object?>)stat!;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-12} {s["calls_per_message"],8} calls {s["us_per_message"],8} µs per message"));
                }
                continue;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-36} {value,12}"));
        }
    }

    private static async Task SendAsync(ImClient im, string[] names, byte[] payload, int count, bool ephemeral)
    {
        using var sends = new DirectSends(im, ephemeral, InFlight);
        for (var k = 0; k < count; k++)
        {
            await sends.WaitForSlotAsync();
            sends.Start(names[k % names.Length], payload);
        }
        await sends.DrainAsync(TimeSpan.FromMinutes(5));
    }

    /// <summary>Packets the two subscriptions received; completes a wait when the count reaches its target.</summary>
    private sealed class PacketCount
    {
        private long _value;
        private long _target = long.MaxValue;
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Value => Interlocked.Read(ref _value);

        public void Add()
        {
            if (Interlocked.Increment(ref _value) >= Interlocked.Read(ref _target)) Volatile.Read(ref _reached).TrySetResult();
        }

        /// <summary>Until <paramref name="target"/> packets are in (at most 30 s: a lost packet is an error, not a figure).</summary>
        public async Task WhenAtLeastAsync(long target)
        {
            Volatile.Write(ref _reached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Interlocked.Exchange(ref _target, target);
            if (Value >= target) _reached.TrySetResult();
            try
            {
                await _reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the nodes' batch topics got {Value} of {target} packets within 30 s");
            }
        }
    }
}
