namespace RetroIm.Bench;

/// <summary>What one load-generator process does; travels as its command line.</summary>
/// <param name="Protocol">"retroim" (connect URL through ImClient, RetroIm frames) "socketio" (Engine.IO v4 / Socket.IO v5) or "floor" (<see cref="FloorNode"/>).</param>
/// <param name="Redis">RetroIm: the backplane's Redis, for <c>PrevConnectServerAsync</c>.</param>
/// <param name="Ports">Socket.IO and the floor: the nodes' ports; client i starts at node i mod N, a reconnect tries the next one.</param>
/// <param name="Join">Socket.IO: the room named in the handshake query (<c>$self</c> = the clientId's own room).</param>
/// <param name="Recover">Reconnect when the socket drops; RetroIm clients present their last position.</param>
internal sealed record LoadGenSpec(
    string Protocol, string? Redis, int[] Ports, string Prefix, int First, int Count, int Concurrency, string? Join, bool Recover)
{
    public IEnumerable<string> ToArgs()
    {
        yield return "--protocol";
        yield return Protocol;
        if (Redis is not null)
        {
            yield return "--redis";
            yield return Redis;
        }
        yield return "--ports";
        yield return string.Join(',', Ports);
        yield return "--prefix";
        yield return Prefix;
        yield return "--first";
        yield return First.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--count";
        yield return Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--concurrency";
        yield return Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--join";
        yield return Join ?? "";
        yield return "--recover";
        yield return Recover ? "1" : "0";
    }

    public static LoadGenSpec Parse(string[] args)
    {
        string? Arg(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var ports = Arg("--ports") is { Length: > 0 } p ? p.Split(',').Select(int.Parse).ToArray() : [];
        return new LoadGenSpec(
            Arg("--protocol") ?? "retroim", Arg("--redis"), ports, Arg("--prefix") ?? "c",
            int.Parse(Arg("--first") ?? "0"), int.Parse(Arg("--count") ?? "0"), int.Parse(Arg("--concurrency") ?? "64"),
            Arg("--join") is { Length: > 0 } j ? j : null, Arg("--recover") == "1");
    }
}
