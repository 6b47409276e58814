using System.Globalization;
using System.Text;
using RetroIm.Im.Backplane;

namespace RetroIm.ImCtl.Commands;

/// <summary>Lays out <c>imctl stats</c>: one row per node, right-aligned figures, a total row when there are several.</summary>
internal static class StatsTable
{
    private static readonly string[] Headers =
        ["NODE", "STATE", "CONNS", "CLIENTS", "CHANS", "MSG OUT/s", "MSG IN/s", "KB OUT/s", "KB IN/s", "DROPS", "AGE"];

    public static string Format(IReadOnlyList<NodeInfo> nodes, long nowMs)
    {
        if (nodes.Count == 0) return "No live nodes.\n";
        var rows = new List<string[]> { Headers };
        foreach (var node in nodes) rows.Add(Row(node, nowMs));
        if (nodes.Count > 1) rows.Add(Total(nodes));
        return Layout(rows);
    }

    private static string[] Row(NodeInfo node, long nowMs)
    {
        var state = node.Draining ? "draining" : "up";
        if (node.Stats is not { } s) return [node.Id, state, Int(node.Connections), "-", "-", "-", "-", "-", "-", "-", "-"];
        var age = Math.Max(0, nowMs - s.AtMs) / 1000.0;
        return [node.Id, state, Int(node.Connections), Int(s.Clients), Int(s.Chans), Rate(s.MessagesOutPerSec), Rate(s.MessagesInPerSec),
            Rate(s.BytesOutPerSec / 1024), Rate(s.BytesInPerSec / 1024), Int(s.QueueDrops), age.ToString("0.0", CultureInfo.InvariantCulture) + "s"];
    }

    private static string[] Total(IReadOnlyList<NodeInfo> nodes)
    {
        long connections = 0, clients = 0, drops = 0;
        double outRate = 0, inRate = 0, bytesOut = 0, bytesIn = 0;
        foreach (var node in nodes)
        {
            connections += node.Connections;
            if (node.Stats is not { } s) continue;
            // A client with tabs on two nodes counts on both: this is a sum of the nodes, not a distinct count.
            clients += s.Clients;
            drops += s.QueueDrops;
            outRate += s.MessagesOutPerSec;
            inRate += s.MessagesInPerSec;
            bytesOut += s.BytesOutPerSec;
            bytesIn += s.BytesInPerSec;
        }
        return ["TOTAL", "", Int(connections), Int(clients), "", Rate(outRate), Rate(inRate), Rate(bytesOut / 1024), Rate(bytesIn / 1024), Int(drops), ""];
    }

    private static string Layout(List<string[]> rows)
    {
        var widths = new int[Headers.Length];
        foreach (var row in rows)
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) text.Append("  ");
                // Names left, figures right: columns of numbers line up on their last digit.
                text.Append(i < 2 ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Rate(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
