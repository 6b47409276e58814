using System.CommandLine;

namespace RetroIm.ImCtl.Commands;

/// <summary><c>send</c>, <c>chan-send</c> and <c>broadcast</c>.</summary>
internal static class MessageCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Add(Send());
        root.Add(ChanSend());
        root.Add(Broadcast());
    }

    private static Command Send()
    {
        var from = new Argument<string>("from") { Description = "The sender shown to receivers, or - for none." };
        // The parser fills arguments greedily, so receivers and the trailing JSON are one list split here.
        var rest = new Argument<string[]>("to") { Arity = ArgumentArity.OneOrMore, HelpName = "to>... <json", Description = "One or more receivers, then the payload as JSON." };
        var send = new Command("send", "Send a message to clients and print the receipt (which receivers were written to, which were offline).") { from, rest };
        send.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var values = parse.GetValue(rest)!;
            if (values.Length < 2) throw new UsageException("send needs at least one receiver and a JSON payload: send <from> <to>... <json>");
            var payload = JsonOut.ParsePayload(values[^1], "json");
            var sender = parse.GetValue(from) is "-" ? null : parse.GetValue(from);
            var receipt = await s.Client.SendMessageAsync(sender, values[..^1], payload, receipt: true, ct);
            return receipt!;
        }));
        return send;
    }

    private static Command ChanSend()
    {
        var chan = new Argument<string>("chan") { Description = "The channel." };
        var json = new Argument<string>("json") { Description = "The payload as JSON." };
        var from = new Option<string?>("--from") { Description = "The sender shown to members (default: none).", HelpName = "clientId" };
        var command = new Command("chan-send", "Send a message to every online member of a channel.") { chan, json, from };
        command.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            var name = parse.GetValue(chan)!;
            await s.Client.SendChanMessageAsync(parse.GetValue(from), name, ImCtlCli.Payload(parse, json), ct);
            return new { chan = name, published = true };
        }));
        return command;
    }

    private static Command Broadcast()
    {
        var json = new Argument<string>("json") { Description = "The payload as JSON." };
        var command = new Command("broadcast", "Send a message to every connection on every node.") { json };
        command.SetAction((parse, ct) => ImCtlCli.RunAsync(parse, ct, async (s, ct) =>
        {
            await s.Client.SendBroadcastMessageAsync(ImCtlCli.Payload(parse, json), ct);
            return new { published = true };
        }));
        return command;
    }
}
