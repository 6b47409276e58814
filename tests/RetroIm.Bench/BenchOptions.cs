namespace RetroIm.Bench;

/// <summary>The command line of a benchmark run (README "Benchmarks"; <c>tests/bench/run.sh</c> passes it through).</summary>
internal sealed record BenchOptions
{
    public static readonly string[] Scenarios = ["idle", "fanout", "direct", "connect", "recover", "ceiling", "script"];

    public string Scenario { get; init; } = "fanout";
    public int Clients { get; init; } = 10_000;
    public int Nodes { get; init; } = 2;

    /// <summary>Offered deliveries per second (fanout, recover, ceiling's first step) or messages per second (direct).</summary>
    public int Rate { get; init; } = 50_000;

    /// <summary>Messages published (fanout, recover during the outage) or per client (direct); 0 = the scenario's default.</summary>
    public int Messages { get; init; }

    public int Size { get; init; } = 100;

    /// <summary>0 = spread automatically (at most 15,000 clients per process: one process may open 20,000 files).</summary>
    public int LoadGens { get; init; }

    /// <summary>Alternative to <see cref="LoadGens"/>: clients per load-generator process (0 = automatic).</summary>
    public int ClientsPerLoadGen { get; init; }

    public int Concurrency { get; init; } = 64;
    public int IdleSeconds { get; init; } = 10;
    public int StepSeconds { get; init; } = 4;

    /// <summary>
    /// Seconds of traffic at the phase's rate before a delivery phase is measured (fanout, direct, ceiling), the same
    /// for every system. A node's per-message code runs only a few times a second in fan-out, so its JIT needs seconds
    /// to reach optimised code (a tier-1 method is called 30 times at tier 0, then 30 more instrumented). 12 s measured
    /// no better than 3 (README "How every scenario measures").
    /// </summary>
    public int WarmUpSeconds { get; init; } = 3;

    public string? Peer { get; init; }

    /// <summary>
    /// <c>--floor</c>: also measure <see cref="FloorNode"/>, the least a broadcaster can spend here (one <c>send</c> per
    /// delivery, nothing else), with the same load generator; reported under <c>floor</c> and <c>floor_ratio</c>.
    /// </summary>
    public bool Floor { get; init; }

    /// <summary>Each server node on a core of its own (<see cref="NodePinning"/>); <c>--no-pin</c> leaves them to the scheduler.</summary>
    public bool Pin { get; init; } = true;

    /// <summary>
    /// <c>--ephemeral</c> (direct only): RetroIm sends with <c>SendEphemeralMessageAsync</c>, kept in no history and
    /// never replayed, as Socket.IO's and the floor's direct sends always are; <c>ephemeral</c> in the JSON.
    /// </summary>
    public bool Ephemeral { get; init; }

    /// <summary>
    /// <c>--probe stream-sequence</c> (script only): instead of ImHelper's script, what Redis would spend on a kept direct
    /// message if the receiver's history stream assigned its offset (an entry id <c>{epoch}-{offset}</c> from
    /// <c>XADD … {epoch}-*</c>), so that a kept message is plain commands like one not kept: per receiver one XADD and
    /// one HKEYS, pipelined 64 messages at a time, then one PUBLISH of each node's batch. A design measurement, on keys
    /// of their own (<c>probe:</c>): ImHelper and the nodes do not use this layout.
    /// </summary>
    public string? Probe { get; init; }

    /// <summary>tests/bench/socketio (server.js, publisher.js, node_modules).</summary>
    public string? PeerDir { get; init; }

    /// <summary>Where the JSON and the SVG chart go; nothing is written when null.</summary>
    public string? ResultsDir { get; init; }

    public string CommandLine { get; init; } = "";

    public int MessagesOrDefault => Messages > 0 ? Messages : Scenario switch
    {
        "direct" => 5,
        "recover" => 10,
        _ => 100,
    };

    public int LoadGenCount => LoadGens > 0 ? LoadGens
        : ClientsPerLoadGen > 0 ? (Clients + ClientsPerLoadGen - 1) / ClientsPerLoadGen
        : Math.Max((Clients + 14_999) / 15_000, Math.Min(4, (Clients + 2_499) / 2_500));

    /// <summary>The arguments as run.sh takes them: without the folders run.sh adds itself.</summary>
    private static string PublicCommandLine(string[] args)
    {
        var kept = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--peer-dir" or "--results") i++;
            else kept.Add(args[i]);
        }
        return string.Join(' ', kept);
    }

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || !Scenarios.Contains(args[0])) throw new ArgumentException("the first argument must be a scenario: " + string.Join('|', Scenarios));
        var o = new BenchOptions { Scenario = args[0], CommandLine = PublicCommandLine(args) };
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--floor")
            {
                o = o with { Floor = true };
                continue;
            }
            if (args[i] == "--no-pin")
            {
                o = o with { Pin = false };
                continue;
            }
            if (args[i] == "--ephemeral")
            {
                o = o with { Ephemeral = true };
                continue;
            }
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--clients" => o with { Clients = int.Parse(value) },
                "--nodes" => o with { Nodes = int.Parse(value) },
                "--rate" => o with { Rate = int.Parse(value) },
                "--messages" => o with { Messages = int.Parse(value) },
                "--size" => o with { Size = int.Parse(value) },
                "--loadgens" => o with { LoadGens = int.Parse(value) },
                "--per-loadgen" => o with { ClientsPerLoadGen = int.Parse(value) },
                "--concurrency" => o with { Concurrency = int.Parse(value) },
                "--idle-seconds" => o with { IdleSeconds = int.Parse(value) },
                "--step-seconds" => o with { StepSeconds = int.Parse(value) },
                "--warmup-seconds" => o with { WarmUpSeconds = int.Parse(value) },
                "--peer" => o with { Peer = value },
                "--peer-dir" => o with { PeerDir = value },
                "--results" => o with { ResultsDir = value },
                "--probe" => o with { Probe = value },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
            i++;
        }
        if (o.Peer is not (null or "socketio")) throw new ArgumentException("--peer: only socketio is supported");
        if (o.Peer is not null && o.PeerDir is null) throw new ArgumentException("--peer socketio needs --peer-dir (run.sh passes it)");
        if (o.Floor && o.Scenario == "recover") throw new ArgumentException("--floor is not for recover: the floor keeps no messages to catch up on");
        if (o.Ephemeral && o.Scenario is not ("direct" or "script")) throw new ArgumentException("--ephemeral is for direct and script only: channel messages are always kept");
        if (o.Probe is not null && (o.Probe != "stream-sequence" || o.Scenario != "script" || o.Ephemeral))
        {
            throw new ArgumentException("--probe: only stream-sequence, and only for script without --ephemeral");
        }
        if (o.Scenario == "script" && (o.Peer is not null || o.Floor)) throw new ArgumentException("script measures RetroIm's Redis script alone: no --peer, no --floor");
        if (o.Scenario == "recover" && o.Nodes < 2) throw new ArgumentException("recover needs --nodes 2 or more");
        if (o.Clients < 1 || o.Nodes < 1 || o.Rate < 1 || o.Size < 40) throw new ArgumentException("clients, nodes, rate ≥ 1 and size ≥ 40");
        return o;
    }
}
