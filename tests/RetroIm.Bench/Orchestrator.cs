using System.Diagnostics;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Bench;

/// <summary>
/// Starts a real cluster on loopback (redis-server, N ImServer processes), spreads the clients over load-generator
/// processes, runs one scenario, and prints a table followed by one JSON line with every figure.
/// </summary>
internal sealed class Orchestrator(BenchOptions options)
{
    private const string Chan = "bench";
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(120);

    public async Task<int> RunAsync()
    {
        await using var redis = await RedisServer.StartAsync();
        var nodes = new List<ImServerProcess>();
        var loadGens = new List<LoadGenProcess>();
        try
        {
            for (var i = 0; i < options.Nodes; i++)
                nodes.Add(await ImServerProcess.StartAsync(redis.Port, ["--Logging:LogLevel:Default=Warning", "--ImServer:SendQueueLimit=4096"]));
            await using var backplane = new RedisBackplane(RedisOptions.Parse(redis.ConnectionString));
            await using var im = new ImClient(backplane);
            await Wait.UntilAsync(async () => (await im.GetNodesAsync()).Count == options.Nodes, TimeSpan.FromSeconds(30));

            var ids = Enumerable.Range(0, options.Clients).Select(i => "c" + i).ToArray();
            if (options.Scenario == "fanout")
                foreach (var batch in ids.Chunk(1000)) await im.JoinChanAsync(Chan, batch);

            await Task.Delay(TimeSpan.FromSeconds(2)); // let the fresh nodes settle (JIT, first GCs) before the baseline
            var rssBefore = nodes.Select(n => ProcStats.RssBytes(n.ProcessId)).ToArray();

            var connectWatch = Stopwatch.StartNew();
            for (var first = 0; first < options.Clients; first += options.ClientsPerLoadGen)
                loadGens.Add(LoadGenProcess.Start(redis.ConnectionString, "c", first, Math.Min(options.ClientsPerLoadGen, options.Clients - first), 64));
            long connected = 0, failed = 0;
            foreach (var g in loadGens)
            {
                var ready = await g.ReadAsync(Bounded);
                connected += ready.GetProperty("connected").GetInt64();
                failed += ready.GetProperty("failed").GetInt64();
                foreach (var e in ready.GetProperty("errors").EnumerateArray()) Console.Error.WriteLine("connect error: " + e.GetString());
            }
            var connectSeconds = connectWatch.Elapsed.TotalSeconds;

            var results = new Dictionary<string, object>
            {
                ["scenario"] = options.Scenario, ["clients"] = options.Clients, ["nodes"] = options.Nodes,
                ["connected"] = connected, ["connect_failed"] = failed,
                ["connects_per_s"] = Math.Round(connected / connectSeconds, 0),
            };

            // Idle: every scenario holds its connections for a while first; the memory figure comes from here.
            var cpuBefore = nodes.Select(n => ProcStats.CpuSeconds(n.ProcessId)).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
            var cpuIdle = nodes.Select((n, i) => ProcStats.CpuSeconds(n.ProcessId) - cpuBefore[i]).Sum();
            var rssAfter = nodes.Select(n => ProcStats.RssBytes(n.ProcessId)).ToArray();
            var rssDelta = rssAfter.Zip(rssBefore, (a, b) => a - b).Sum();
            results["rss_mb_per_node"] = rssAfter.Select(r => Math.Round(r / 1048576.0, 1)).ToArray();
            results["kb_per_conn"] = Math.Round(rssDelta / 1024.0 / Math.Max(1, connected), 2);
            results["idle_cpu_pct"] = Math.Round(cpuIdle / options.IdleSeconds * 100, 2);

            if (options.Scenario == "fanout")
                await FanOutAsync(im, nodes, loadGens, connected, results);

            PrintTable(results);
            Console.WriteLine(JsonSerializer.Serialize(results));
            return 0;
        }
        finally
        {
            foreach (var g in loadGens) await g.DisposeAsync();
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }

    private async Task FanOutAsync(ImClient im, List<ImServerProcess> nodes, List<LoadGenProcess> loadGens, long connected, Dictionary<string, object> results)
    {
        foreach (var g in loadGens) await g.AskAsync("reset", Bounded);
        var messagesPerSecond = (double)options.Rate / connected;
        var interval = TimeSpan.FromSeconds(1 / messagesPerSecond);
        var cpuBefore = nodes.Select(n => ProcStats.CpuSeconds(n.ProcessId)).ToArray();
        var loadCpuBefore = await LoadGenCpuAsync(loadGens);
        var watch = Stopwatch.StartNew();
        for (var seq = 0; seq < options.Messages; seq++)
        {
            var due = interval * seq - watch.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            var payload = BenchPayload.Create(BenchPayload.NowMicros(), seq, options.Size);
            await im.SendChanMessageAsync(null, Chan, payload);
        }
        var publishSeconds = watch.Elapsed.TotalSeconds;

        var expected = connected * options.Messages;
        var histogram = new LatencyHistogram();
        long received = 0, duplicated = 0, reordered = 0;
        double loadCpu = 0;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            histogram.Clear();
            received = duplicated = reordered = 0;
            loadCpu = 0;
            foreach (var g in loadGens)
            {
                var r = await g.AskAsync("report", Bounded);
                received += r.GetProperty("received").GetInt64();
                duplicated += r.GetProperty("duplicated").GetInt64();
                reordered += r.GetProperty("reordered").GetInt64();
                loadCpu += r.GetProperty("cpu_s").GetDouble();
                histogram.AddSparse(r.GetProperty("hist").EnumerateArray().Select(p => new[] { p[0].GetInt64(), p[1].GetInt64() }));
            }
            if (received >= expected || deadline.Elapsed > TimeSpan.FromSeconds(15)) break;
            await Task.Delay(250); // polling child processes: there is no event to await across the process boundary
        }
        var serverCpu = nodes.Select((n, i) => ProcStats.CpuSeconds(n.ProcessId) - cpuBefore[i]).Sum();
        results["messages"] = options.Messages;
        results["size"] = options.Size;
        results["offered_deliveries_per_s"] = options.Rate;
        results["deliveries_per_s"] = Math.Round(received / Math.Max(publishSeconds, 1e-9), 0);
        results["delivered"] = received;
        results["lost"] = Math.Max(0, expected - received);
        results["duplicated"] = duplicated;
        results["reordered"] = reordered;
        results["p50_ms"] = histogram.PercentileMs(50);
        results["p99_ms"] = histogram.PercentileMs(99);
        results["max_ms"] = histogram.MaxMs();
        results["server_cpu_s"] = Math.Round(serverCpu, 2);
        results["cpu_us_per_delivery"] = Math.Round(serverCpu * 1e6 / Math.Max(1, received), 2);
        results["cpu_s_per_million_deliveries"] = Math.Round(serverCpu * 1e6 / Math.Max(1, received), 2);
        results["loadgen_cpu_s"] = Math.Round(loadCpu - loadCpuBefore, 2);
    }

    private static async Task<double> LoadGenCpuAsync(List<LoadGenProcess> loadGens)
    {
        double cpu = 0;
        foreach (var g in loadGens) cpu += (await g.AskAsync("report", Bounded)).GetProperty("cpu_s").GetDouble();
        return cpu;
    }

    private static void PrintTable(Dictionary<string, object> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"figure",-32} {"RetroIm",16}");
        Console.WriteLine(new string('-', 49));
        foreach (var (key, value) in results)
        {
            var text = value is Array a ? string.Join(" / ", a.Cast<object>()) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"{key,-32} {text,16}");
        }
        Console.WriteLine();
    }
}
