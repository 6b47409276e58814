using System.CommandLine;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>nodes</c> and <c>connect-url</c>.</summary>
internal static class NodeCommands
{
    public static void AddTo(RootCommand root)
    {
        var nodes = new Command("nodes", "List live relay nodes with their URLs and connection counts.");
        nodes.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) => await s.Client.GetNodesAsync(ct)));
        root.Add(nodes);

        var clientId = new Argument<string>("clientId") { Description = "Who connects." };
        var meta = new Option<string?>("--meta") { Description = "Metadata echoed in the client's online/offline events.", HelpName = "metadata" };
        var connectUrl = new Command("connect-url", "Issue a one-time connect URL (ws://node/ws?token=…) for a client.") { clientId, meta };
        connectUrl.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var id = parse.GetValue(clientId)!;
            var url = await s.Client.PrevConnectServerAsync(id, parse.GetValue(meta), ct);
            return new { clientId = id, url };
        }));
        root.Add(connectUrl);
    }
}
