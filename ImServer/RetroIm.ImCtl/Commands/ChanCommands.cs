using System.CommandLine;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>chan-join</c>, <c>chan-leave</c> and <c>chans</c>.</summary>
internal static class ChanCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Add(Membership("chan-join", "Add clients to a channel (membership lasts until chan-leave).", join: true));
        root.Add(Membership("chan-leave", "Remove clients from a channel.", join: false));

        var chans = new Command("chans", "List channels with their member and online counts.");
        chans.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) => await s.Client.GetChanListAsync(ct)));
        root.Add(chans);
    }

    private static Command Membership(string name, string description, bool join)
    {
        var chan = new Argument<string>("chan") { Description = "The channel." };
        var clientIds = new Argument<string[]>("clientId") { Arity = ArgumentArity.OneOrMore, Description = "The clients." };
        var command = new Command(name, description) { chan, clientIds };
        command.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var channel = parse.GetValue(chan)!;
            var ids = parse.GetValue(clientIds)!;
            if (join) await s.Client.JoinChanAsync(channel, ids, ct);
            else await s.Client.LeaveChanAsync(channel, ids, ct);
            var members = await s.Client.GetChanClientListAsync(channel, ct);
            return join
                ? new { chan = channel, joined = ids, members = members.Count }
                : (object)new { chan = channel, left = ids, members = members.Count };
        }));
        return command;
    }
}
