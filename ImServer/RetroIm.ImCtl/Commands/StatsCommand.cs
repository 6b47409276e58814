using System.CommandLine;
using RetroIm.Im.Backplane;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>stats</c>: every live node's figures from its last heartbeat, as a table (or JSON with --json).</summary>
internal static class StatsCommand
{
    public static void AddTo(RootCommand root)
    {
        var json = new Option<bool>("--json") { Description = "Print the nodes and their figures as JSON instead of a table." };
        var stats = new Command("stats",
            "Show each live node's connections, distinct clients, channels with local members, messages and bytes per " +
            "second out and in, and slow-consumer drops, as measured over its last heartbeat interval.")
        {
            json,
        };
        stats.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var nodes = await s.Client.GetNodesAsync(ct);
            if (parse.GetValue(json)) return nodes;
            return new PlainText(StatsTable.Format(nodes, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }));
        root.Add(stats);
    }
}
