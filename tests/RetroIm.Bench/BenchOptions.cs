namespace RetroIm.Bench;

/// <summary>The command line of a benchmark run (see README "Benchmarks").</summary>
internal sealed record BenchOptions
{
    public string Scenario { get; init; } = "fanout";
    public int Clients { get; init; } = 10_000;
    public int Nodes { get; init; } = 2;
    public int Rate { get; init; } = 50_000;
    public int Messages { get; init; } = 100;
    public int Size { get; init; } = 100;
    public int ClientsPerLoadGen { get; init; } = 2_500;
    public int IdleSeconds { get; init; } = 10;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions { Scenario = args.Length > 0 ? args[0] : "fanout" };
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--clients" => o with { Clients = int.Parse(value) },
                "--nodes" => o with { Nodes = int.Parse(value) },
                "--rate" => o with { Rate = int.Parse(value) },
                "--messages" => o with { Messages = int.Parse(value) },
                "--size" => o with { Size = int.Parse(value) },
                "--per-loadgen" => o with { ClientsPerLoadGen = int.Parse(value) },
                "--idle-seconds" => o with { IdleSeconds = int.Parse(value) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
            i++;
        }
        return o;
    }
}
