using System.CommandLine;
using RetroIm.Im;
using RetroIm.Im.Protocol;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>drain &lt;nodeId&gt;</c>: move a node's clients to the other nodes before a deploy.</summary>
internal static class DrainCommand
{
    public static void AddTo(RootCommand root)
    {
        var nodeId = new Argument<string>("nodeId") { Description = "The node to drain, as `imctl nodes` lists it (host:port)." };
        var drain = new Command("drain",
            "Drain a node: it stops taking new connections (ImHelper routes new clients elsewhere) and asks its clients to " +
            "reconnect to other nodes, spread over its ImServer:DrainWindow. Stop the node once its connections reach 0.")
        {
            nodeId,
        };
        drain.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var id = parse.GetValue(nodeId)!;
            var nodes = await s.Client.GetNodesAsync(ct);
            var target = nodes.FirstOrDefault(n => n.Id == id)
                ?? throw new InvalidOperationException($"No live node '{id}'. Live nodes: {(nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(n => n.Id)))}.");
            var packet = RelayPacket.Write(new RelayHeader(RelayPacketKind.Drain));
            var received = await s.Backplane.PublishAsync(ImTopics.Node(id), packet, ct);
            if (received == 0) throw new InvalidOperationException($"Node '{id}' is registered but not listening on its inbox; is it stuck or restarting?");
            return new { node = id, url = target.Url, draining = true, connections = target.Connections };
        }));
        root.Add(drain);
    }
}
