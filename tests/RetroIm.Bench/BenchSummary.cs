using System.Globalization;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// <c>RetroIm.Bench summary FILE…</c>: the targets of issue 5 as one markdown table, read from result files (the JSON
/// <c>tests/bench/run.sh</c> writes; <c>tests/bench/suite.sh</c> prints it after its runs). Per target: the figure for
/// RetroIm, Socket.IO and the floor where the run measured them, RetroIm / Socket.IO, the target, whether RetroIm met
/// it, and the command of the run. When several files measure a target, the newest counts; a target no file measures
/// says so. Exit code 0 when every file was read, 2 when one could not be.
/// </summary>
internal static class BenchSummary
{
    private const double DirectRate = 50_000;

    /// <summary>
    /// One target: which runs measure it, the figure shown for each system, and the test RetroIm's figures must pass.
    /// </summary>
    private sealed record Target(
        string Name,
        string Goal,
        Func<JsonElement, bool> Measures,
        Func<JsonElement, string> Figure,
        string? RatioKey,
        Func<JsonElement, JsonElement?, bool> Met);

    private static readonly Target[] Targets =
    [
        new("idle memory", "≤ 6 KB RSS per connection (after a full GC)",
            r => Scenario(r) == "idle",
            s => $"{F(s, "kb_per_conn_after_gc")} KB",
            "kb_per_conn_after_gc",
            (r, _) => Number(r, "kb_per_conn_after_gc") is <= 6),
        new("connect", "≥ 3,000 connections/s, each URL issued through ImHelper",
            r => Scenario(r) == "connect",
            s => $"{F(s, "connects_per_s")}/s",
            "connects_per_s",
            (r, _) => Number(r, "connects_per_s") is >= 3_000),
        new("fan-out CPU", "≤ 5 µs of server CPU per delivery (10,000 clients, 2 nodes, 50,000/s)",
            r => Scenario(r) == "fanout" && Is(r, "clients", 10_000) && Is(r, "nodes", 2) && Is(r, "rate", 50_000),
            s => $"{F(s, "cpu_us_per_delivery")} µs",
            "cpu_us_per_delivery",
            (r, _) => Number(r, "cpu_us_per_delivery") is <= 5),
        new("fan-out latency", "p99 ≤ 50 ms, nothing lost (the same run)",
            r => Scenario(r) == "fanout" && Is(r, "clients", 10_000) && Is(r, "nodes", 2) && Is(r, "rate", 50_000),
            s => $"p99 {F(s, "p99_ms")} ms, {F(s, "lost")} lost",
            "p99_ms",
            (r, _) => Number(r, "p99_ms") is <= 50 && Number(r, "lost") is 0),
        new("fan-out ceiling", "≥ 3 × Socket.IO's highest step held with p99 ≤ 100 ms",
            r => Scenario(r) == "ceiling",
            s => $"{F(s, "ceiling_deliveries_per_s")}/s",
            "ceiling_deliveries_per_s",
            (_, ratio) => Number(ratio, "ceiling_deliveries_per_s") is >= 3),
        new("direct, not kept", "≥ 50,000 messages/s (all delivered, ≥ 99 % of the offered rate), p99 ≤ 20 ms",
            r => Scenario(r) == "direct" && Is(r, "rate", 50_000) && Ephemeral(r),
            s => $"{F(s, "deliveries_per_s")}/s, p99 {F(s, "p99_ms")} ms, {F(s, "lost")} lost",
            "deliveries_per_s",
            (r, _) => DirectMet(r)),
        new("direct, kept", "the same, every message kept in the receiver's history",
            r => Scenario(r) == "direct" && Is(r, "rate", 50_000) && !Ephemeral(r),
            s => $"{F(s, "deliveries_per_s")}/s, p99 {F(s, "p99_ms")} ms, {F(s, "lost")} lost",
            "deliveries_per_s",
            (r, _) => DirectMet(r)),
        new("scale", "60,000 connections over 4 nodes, all receiving",
            r => Scenario(r) == "fanout" && Number(r, "clients") is >= 60_000 && Is(r, "nodes", 4),
            s => $"{F(s, "connected")} connected, {F(s, "lost")} lost",
            null,
            (r, _) => Number(r, "connected") is >= 60_000 && Number(r, "connect_failed") is 0 && Number(r, "lost") is 0),
        new("recover", "10,000 clients of a killed node back and caught up in ≤ 15 s",
            r => Scenario(r) == "recover",
            s => $"{F(s, "clients_on_killed_node")} clients in {F(s, "recover_s")} s, {F(s, "lost")} lost",
            "recover_s",
            (r, _) => Number(r, "clients_on_killed_node") is >= 10_000 && Number(r, "recovered") == Number(r, "clients_on_killed_node")
                && Number(r, "recover_s") is <= 15 && Number(r, "lost") is 0),
    ];

    public static int Run(IReadOnlyList<string> files, TextWriter output, TextWriter errors)
    {
        var runs = new List<JsonElement>();
        var unreadable = 0;
        foreach (var file in files)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                if (document.RootElement.ValueKind != JsonValueKind.Object || Scenario(document.RootElement) is null)
                    throw new JsonException("not a benchmark result (no \"scenario\")");
                runs.Add(document.RootElement.Clone());
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                errors.WriteLine($"summary: {file}: {e.Message}");
                unreadable++;
            }
        }
        // The newest run first, so each target takes the latest that measures it.
        runs.Sort((a, b) => string.CompareOrdinal(Text(b, "timestamp"), Text(a, "timestamp")));
        Write(output, runs);
        return unreadable == 0 ? 0 : 2;
    }

    private static void Write(TextWriter o, List<JsonElement> runs)
    {
        var met = 0;
        var used = new List<JsonElement>();
        o.WriteLine("| target | RetroIm | Socket.IO | RetroIm / Socket.IO | floor | goal | met | run |");
        o.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var target in Targets)
        {
            var run = runs.FirstOrDefault(target.Measures);
            if (run.ValueKind != JsonValueKind.Object)
            {
                o.WriteLine($"| {target.Name} | not run | | | | {target.Goal} | — | |");
                continue;
            }
            used.Add(run);
            var peer = Child(run, "peer");
            var floor = Child(run, "floor");
            var ratio = Child(run, "ratio");
            var ok = target.Met(run, ratio);
            if (ok) met++;
            o.WriteLine(string.Join(" | ",
                $"| {target.Name}",
                target.Figure(run),
                peer is { } p ? target.Figure(p) : "",
                target.RatioKey is { } key && Number(ratio, key) is { } r ? r.ToString("0.##", CultureInfo.InvariantCulture) : "",
                floor is { } f ? target.Figure(f) : "",
                target.Goal,
                ok ? "**yes**" : "no",
                $"`{Text(run, "command")}` ({Text(run, "timestamp")}{(Text(run, "commit") is { Length: > 0 } c ? ", " + c : "")}) |"));
        }
        o.WriteLine();
        var machine = runs.Select(r => Child(r, "machine")).FirstOrDefault(m => m is not null);
        // The code measured, as the runs recorded it (runs from before the JSON had "commit" name none).
        var commits = used.Select(r => Text(r, "commit")).Where(c => c.Length > 0).Distinct().ToList();
        o.WriteLine($"{met} of {Targets.Length} targets met"
            + (machine is { } m ? $" on {F(m, "cores")} cores, {Text(m, "cpu")}, {Text(m, "os")}, {Text(m, "dotnet")}" : "")
            + (commits.Count > 0 ? $"; code {string.Join(", ", commits)}." : "."));
    }

    private static bool DirectMet(JsonElement r) =>
        Number(r, "lost") is 0 && Number(r, "p99_ms") is <= 20 && Number(r, "deliveries_per_s") is >= DirectRate * 0.99
        && Number(r, "delivered") == Number(r, "messages");

    private static string? Scenario(JsonElement r) => r.TryGetProperty("scenario", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;

    private static bool Is(JsonElement r, string key, double value) => Number(r, key) == value;

    private static bool Ephemeral(JsonElement r) => r.TryGetProperty("ephemeral", out var e) && e.ValueKind == JsonValueKind.True;

    private static JsonElement? Child(JsonElement r, string key) =>
        r.ValueKind == JsonValueKind.Object && r.TryGetProperty(key, out var c) && c.ValueKind == JsonValueKind.Object ? c : null;

    private static double? Number(JsonElement? r, string key) =>
        r is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>A figure as the table shows it: invariant, thousands separated, at most two decimals; "—" when missing.</summary>
    private static string F(JsonElement r, string key) =>
        Number(r, key) is { } n ? n.ToString("#,0.##", CultureInfo.InvariantCulture) : "—";

    private static string Text(JsonElement r, string key) =>
        r.TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.ToString() : "";
}
