using System.Globalization;
using System.Security;
using System.Text;

namespace RetroIm.Bench;

/// <summary>
/// A plain hand-written SVG: one row per figure, a RetroIm bar, a Socket.IO bar and (with <c>--floor</c>) a floor bar,
/// scaled to the largest of them (figures have different units, so each row has its own scale), values beside the bars.
/// </summary>
internal static class ChartWriter
{
    private static readonly string[] Charted =
    [
        "kb_per_conn", "idle_cpu_pct", "connects_per_s", "deliveries_per_s", "ceiling_deliveries_per_s", "p50_ms", "p99_ms",
        "max_ms", "cpu_us_per_delivery", "loadgen_cpu_s", "lost", "recover_s",
    ];

    private static readonly HashSet<string> HigherIsBetter = ["connects_per_s", "deliveries_per_s", "ceiling_deliveries_per_s"];

    private const int BarStep = 18;
    private const int LabelWidth = 190;
    private const int BarWidth = 420;

    public static string Render(BenchOptions options, Dictionary<string, object?> ours, Dictionary<string, object?>? peer, Dictionary<string, object?>? floor)
    {
        var rows = Charted.Where(k => ResultTable.AsDouble(ours.GetValueOrDefault(k)) is not null).ToList();
        var rowHeight = 10 + BarStep * (2 + (floor is null ? 0 : 1));
        var height = 70 + rows.Count * rowHeight + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"{height}\" viewBox=\"0 0 760 {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        var title = $"{options.Scenario}: {options.Clients:N0} clients, {options.Nodes} node(s), {options.Size} B payloads, {Environment.ProcessorCount} cores";
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append("<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"#2b6cb0\"/><text x=\"28\" y=\"44\">RetroIm</text>\n");
        if (peer is not null) svg.Append("<rect x=\"100\" y=\"34\" width=\"12\" height=\"12\" fill=\"#dd6b20\"/><text x=\"118\" y=\"44\">Socket.IO + Redis adapter</text>\n");
        if (floor is not null) svg.Append("<rect x=\"300\" y=\"34\" width=\"12\" height=\"12\" fill=\"#999\"/><text x=\"318\" y=\"44\">floor: one send per delivery, nothing else</text>\n");
        var y = 70;
        foreach (var key in rows)
        {
            var a = ResultTable.AsDouble(ours[key]) ?? 0;
            var b = peer is null ? null : ResultTable.AsDouble(peer.GetValueOrDefault(key));
            var f = floor is null ? null : ResultTable.AsDouble(floor.GetValueOrDefault(key));
            var max = Math.Max(Math.Abs(a), Math.Max(Math.Abs(b ?? 0), Math.Abs(f ?? 0)));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{y + 16}\">{Escape(key)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{y + 31}\" font-size=\"10\" fill=\"#777\">{(HigherIsBetter.Contains(key) ? "higher is better" : "lower is better")}</text>\n");
            Bar(svg, y, a, max, "#2b6cb0");
            if (b is { } pb) Bar(svg, y + BarStep, pb, max, "#dd6b20");
            if (f is { } fb) Bar(svg, y + 2 * BarStep, fb, max, "#999");
            y += rowHeight;
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{height - 10}\" fill=\"#555\">each row scaled to its larger value · tests/bench/run.sh {Escape(options.CommandLine)}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Bar(StringBuilder svg, int y, double value, double max, string color)
    {
        var width = max > 0 ? Math.Max(1, Math.Abs(value) / max * BarWidth) : 1;
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y + 4}\" width=\"{width:0.#}\" height=\"15\" fill=\"{color}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + width + 6:0.#}\" y=\"{y + 16}\">{Escape(ResultTable.Text(value))}</text>\n");
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
