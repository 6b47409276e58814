using System.Globalization;

namespace RetroIm.Bench;

/// <summary>The human table: one row per figure, RetroIm beside each other system measured (Socket.IO, the floor) and the ratio to it.</summary>
internal static class ResultTable
{
    /// <summary>Another system's figures and RetroIm / its figures.</summary>
    public sealed record Column(string Name, Dictionary<string, object?> Figures, Dictionary<string, object?> Ratio);

    public static void Print(TextWriter o, BenchOptions options, Dictionary<string, object?> ours, IReadOnlyList<Column> others)
    {
        o.WriteLine();
        o.WriteLine($"scenario {options.Scenario}: {options.Clients} clients, {options.Nodes} node(s), rate {options.Rate}, size {options.Size} B, {Environment.ProcessorCount} cores");
        var header = $"{"figure",-28} {"RetroIm",14}";
        foreach (var c in others) header += $" {c.Name,14} {"ratio",8}";
        o.WriteLine(header);
        o.WriteLine(new string('-', header.Length));
        foreach (var (key, value) in ours)
        {
            if (key is "steps" or "timeline" or "redis_calls_per_message") continue;
            var line = $"{key,-28} {Text(value),14}";
            foreach (var c in others) line += $" {Text(c.Figures.GetValueOrDefault(key)),14} {Text(c.Ratio.GetValueOrDefault(key)),8}";
            o.WriteLine(line);
        }
        PrintTimeline(o, "RetroIm", ours);
        foreach (var c in others) PrintTimeline(o, c.Name, c.Figures);
        PrintCalls(o, "RetroIm", ours);
        foreach (var c in others) PrintCalls(o, c.Name, c.Figures);
        PrintSteps(o, "RetroIm", ours);
        foreach (var c in others) PrintSteps(o, c.Name, c.Figures);
        o.WriteLine();
    }

    private static void PrintTimeline(TextWriter o, string name, Dictionary<string, object?> figures)
    {
        if (figures.GetValueOrDefault("timeline") is not List<Dictionary<string, object?>> { Count: > 0 } rows) return;
        o.WriteLine($"{name} p99 ms per {LatencyTimeline.WindowMicros / 1000} ms of send time: {string.Join(' ', rows.Select(r => Text(r["p99_ms"])))}");
    }

    private static void PrintCalls(TextWriter o, string name, Dictionary<string, object?> figures)
    {
        if (figures.GetValueOrDefault("redis_calls_per_message") is not Dictionary<string, object?> { Count: > 0 } calls) return;
        o.WriteLine($"{name} Redis commands per message: {string.Join(", ", calls.Select(c => $"{c.Key} {Text(c.Value)}"))}");
    }

    private static void PrintSteps(TextWriter o, string name, Dictionary<string, object?> figures)
    {
        if (figures.GetValueOrDefault("steps") is not List<Dictionary<string, object?>> steps) return;
        o.WriteLine($"{name} steps (offered → delivered/s, p50, p99, max ms, lost, CPU-µs/delivery, steal %):");
        foreach (var s in steps)
        {
            o.WriteLine($"  {Text(s["offered_deliveries_per_s"]),10} → {Text(s["deliveries_per_s"]),10}  {Text(s["p50_ms"]),8} {Text(s["p99_ms"]),8} {Text(s["max_ms"]),8}  {Text(s["lost"]),6}  {Text(s["cpu_us_per_delivery"]),6}  {Text(s.GetValueOrDefault("steal_pct")),5}");
        }
    }

    public static double? AsDouble(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        _ => null,
    };

    public static string Text(object? value) => value switch
    {
        null => "—",
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
