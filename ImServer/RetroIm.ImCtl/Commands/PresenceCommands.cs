using System.CommandLine;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>online</c> and <c>kick</c>.</summary>
internal static class PresenceCommands
{
    public static void AddTo(RootCommand root)
    {
        var clientId = new Argument<string?>("clientId") { Arity = ArgumentArity.ZeroOrOne, Description = "A client to look up; omit to list every online client." };
        var online = new Command("online", "List online clients, or show whether one client is online and on which nodes.") { clientId };
        online.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var id = parse.GetValue(clientId);
            if (id is null) return await s.Client.GetClientListByOnlineAsync(ct);
            var isOnline = await s.Client.HasOnlineAsync(id, ct);
            var nodes = await s.Backplane.GetClientNodesAsync(id, ct);
            return new { clientId = id, online = isOnline, nodes };
        }));
        root.Add(online);

        var kickId = new Argument<string>("clientId") { Description = "The client to force offline." };
        var kick = new Command("kick", "Close every connection of a client (close code 4001: clients do not reconnect by themselves).") { kickId };
        kick.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var id = parse.GetValue(kickId)!;
            var wasOnline = await s.Client.HasOnlineAsync(id, ct);
            await s.Client.ForceOfflineAsync(id, ct);
            return new { clientId = id, wasOnline, kicked = true };
        }));
        root.Add(kick);
    }
}
