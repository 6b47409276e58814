using System.Globalization;
using System.Security;
using System.Text;

namespace RetroIm.Bench;

/// <summary>
/// A plain hand-written SVG: one row per figure, a RetroIm bar and a Socket.IO bar scaled to the larger of the two
/// (figures have different units, so each row has its own scale), values written beside the bars.
/// </summary>
internal static class ChartWriter
{
    private static readonly string[] Charted =
    [
        "kb_per_conn", "idle_cpu_pct", "connects_per_s", "deliveries_per_s", "ceiling_deliveries_per_s", "p50_ms", "p99_ms",
        "max_ms", "cpu_us_per_delivery", "loadgen_cpu_s", "lost", "recover_s",
    ];

    private static readonly HashSet<string> HigherIsBetter = ["connects_per_s", "deliveries_per_s", "ceiling_deliveries_per_s"];

    private const int RowHeight = 46;
    private const int LabelWidth = 190;
    private const int BarWidth = 420;

    public static string Render(BenchOptions options, Dictionary<string, object?> ours, Dictionary<string, object?>? peer)
    {
        var rows = Charted.Where(k => ResultTable.AsDouble(ours.GetValueOrDefault(k)) is not null).ToList();
        var height = 70 + rows.Count * RowHeight + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"{height}\" viewBox=\"0 0 760 {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        var title = $"{options.Scenario}: {options.Clients:N0} clients, {options.Nodes} node(s), {options.Size} B payloads, {Environment.ProcessorCount} cores";
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append("<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"#2b6cb0\"/><text x=\"28\" y=\"44\">RetroIm</text>\n");
        if (peer is not null) svg.Append("<rect x=\"100\" y=\"34\" width=\"12\" height=\"12\" fill=\"#dd6b20\"/><text x=\"118\" y=\"44\">Socket.IO + Redis adapter</text>\n");
        var y = 70;
        foreach (var key in rows)
        {
            var a = ResultTable.AsDouble(ours[key]) ?? 0;
            var b = peer is null ? null : ResultTable.AsDouble(peer.GetValueOrDefault(key));
            var max = Math.Max(Math.Abs(a), Math.Abs(b ?? 0));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{y + 16}\">{Escape(key)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{y + 31}\" font-size=\"10\" fill=\"#777\">{(HigherIsBetter.Contains(key) ? "higher is better" : "lower is better")}</text>\n");
            Bar(svg, y, a, max, "#2b6cb0");
            if (b is { } pb) Bar(svg, y + 18, pb, max, "#dd6b20");
            y += RowHeight;
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
