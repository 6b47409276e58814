using System.CommandLine;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>who &lt;clientId&gt;</c>: which nodes hold a client's connections, and how many each.</summary>
internal static class WhoCommand
{
    public static void AddTo(RootCommand root)
    {
        var clientId = new Argument<string>("clientId") { Description = "The client to look up." };
        var who = new Command("who", "Show which nodes hold a client's connections (how many on each, with the node's URL).") { clientId };
        who.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var id = parse.GetValue(clientId)!;
            var held = await s.Client.WhoAsync(id, ct);
            var nodes = await s.Client.GetNodesAsync(ct);
            var rows = held.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new
            {
                node = h.Key,
                // Null when the node stopped heartbeating but has not been reaped yet: worth seeing during an incident.
                url = nodes.FirstOrDefault(n => n.Id == h.Key)?.Url,
                connections = h.Value,
            }).ToList();
            return new { clientId = id, online = rows.Count > 0, connections = rows.Sum(r => r.connections), nodes = rows };
        }));
        root.Add(who);
    }
}
