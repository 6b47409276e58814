using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// Runs the scenario against RetroIm and, with <c>--peer socketio</c>, against Socket.IO in the same run (one system
/// after the other, each on a fresh redis-server), and with <c>--floor</c> against <see cref="FloorNode"/>, then prints
/// the table and, as the last line, one JSON object with every figure: RetroIm's at the top level, the peer's under
/// <c>peer</c>, RetroIm / peer under <c>ratio</c>, the floor's under <c>floor</c> and RetroIm / floor under <c>floor_ratio</c>.
/// </summary>
internal sealed class Orchestrator(BenchOptions options)
{
    public async Task<int> RunAsync()
    {
        if (options.Scenario == "script") return await RunScriptAsync();
        var ours = await new ScenarioRunner(options, new RetroImTarget(options.Ephemeral)).RunAsync();
        IBenchTarget? peerTarget = options.Peer == "socketio" ? new SocketIoTarget(options.PeerDir!) : null;
        IBenchTarget? floorTarget = options.Floor ? new FloorTarget() : null;
        var peer = peerTarget is null ? null : await new ScenarioRunner(options, peerTarget).RunAsync();
        var floor = floorTarget is null ? null : await new ScenarioRunner(options, floorTarget).RunAsync();

        var ratio = peer is null ? null : Ratios(ours, peer);
        var floorRatio = floor is null ? null : Ratios(ours, floor);
        var now = DateTime.UtcNow;
        var json = Head(now);
        json["nodes"] = options.Nodes;
        json["rate"] = options.Rate;
        json["size"] = options.Size;
        json["loadgens"] = options.LoadGenCount;
        json["loadgen_sched"] = LoadGenProcess.BatchScheduling ? "batch" : "normal";
        if (options.Ephemeral) json["ephemeral"] = true;
        foreach (var (k, v) in ours) json[k] = v;
        if (peer is not null)
        {
            json["peer_name"] = "socket.io 4.8 + @socket.io/redis-adapter 8.3 + @socket.io/redis-emitter 5.1";
            json["peer"] = peer;
            json["ratio"] = ratio;
        }
        if (floor is not null)
        {
            json["floor"] = floor;
            json["floor_ratio"] = floorRatio;
        }

        var columns = new List<ResultTable.Column>();
        if (peer is not null) columns.Add(new(peerTarget!.Name, peer, ratio!));
        if (floor is not null) columns.Add(new(floorTarget!.Name, floor, floorRatio!));
        ResultTable.Print(Console.Out, options, ours, columns);
        await WriteAsync(json, now, ChartWriter.Render(options, ours, peer, floor));
        return 0;
    }

    /// <summary>The <c>script</c> scenario (<see cref="ScriptBench"/>): RetroIm alone, no chart.</summary>
    private async Task<int> RunScriptAsync()
    {
        var figures = await ScriptBench.RunAsync(options);
        var now = DateTime.UtcNow;
        var json = Head(now);
        json["size"] = options.Size;
        if (options.Ephemeral) json["ephemeral"] = true;
        foreach (var (k, v) in figures) json[k] = v;
        ScriptBench.Print(Console.Out, figures);
        await WriteAsync(json, now, svg: null);
        return 0;
    }

    private Dictionary<string, object?> Head(DateTime now)
    {
        var head = new Dictionary<string, object?>
        {
            ["scenario"] = options.Scenario,
            ["timestamp"] = now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["command"] = "tests/bench/run.sh " + options.CommandLine,
            ["machine"] = Machine(),
        };
        // The code measured: run.sh's short commit id, with "-dirty" when the checkout had changes; none outside git.
        if (Environment.GetEnvironmentVariable("RETROIM_BENCH_COMMIT") is { Length: > 0 } commit) head["commit"] = commit;
        head["clients"] = options.Clients;
        return head;
    }

    /// <summary>The JSON file (and the chart) into the results folder, then the JSON as the last line of the output.</summary>
    private async Task WriteAsync(Dictionary<string, object?> json, DateTime now, string? svg)
    {
        // Relaxed escaping: the line is for people and scripts, never embedded in HTML.
        var line = JsonSerializer.Serialize(json, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        if (options.ResultsDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, $"{options.Scenario}-{now:yyyyMMdd-HHmmss}.json");
            await File.WriteAllTextAsync(file, line + Environment.NewLine);
            if (svg is not null)
            {
                var chart = Path.Combine(dir, $"latest-{options.Scenario}.svg");
                await File.WriteAllTextAsync(chart, svg);
                Console.WriteLine($"results: {file}  chart: {chart}");
            }
            else
            {
                Console.WriteLine($"results: {file}");
            }
        }
        Console.WriteLine(line);
    }

    /// <summary>
    /// RetroIm / other for every numeric figure both have (null where the other's is 0), but the host's steal: it
    /// describes the minute a system ran in, not the system.
    /// </summary>
    private static Dictionary<string, object?> Ratios(Dictionary<string, object?> ours, Dictionary<string, object?> peer)
    {
        var ratio = new Dictionary<string, object?>();
        foreach (var (key, value) in ours)
        {
            if (key.StartsWith("steal", StringComparison.Ordinal) || ResultTable.AsDouble(value) is not { } a || !peer.TryGetValue(key, out var p) || ResultTable.AsDouble(p) is not { } b) continue;
            ratio[key] = b == 0 ? null : Math.Round(a / b, 3);
        }
        return ratio;
    }

    private static Dictionary<string, object?> Machine()
    {
        string? cpu = null;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            // Not Linux: leave it out.
        }
        return new()
        {
            ["cores"] = Environment.ProcessorCount,
            ["cpu"] = cpu,
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
        };
    }
}
