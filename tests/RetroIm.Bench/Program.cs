using RetroIm.Bench;

// RetroIm.Bench SCENARIO [--clients K] [--nodes N] [--rate R] [--messages M] [--size BYTES] [--peer socketio --peer-dir DIR] [--floor]
//                        [--loadgens G] [--concurrency C] [--idle-seconds S] [--step-seconds S] [--warmup-seconds S] [--results DIR]
// Scenarios: idle, fanout, direct, connect, recover, ceiling, script (README "Benchmarks"; tests/bench/run.sh is the entry point).
// RetroIm.Bench loadgen …   (internal: one load-generator process, driven by the orchestrator over stdin/stdout)
// RetroIm.Bench floor-node … (internal: one node of the floor, --floor; FloorNode.cs)
// RetroIm.Bench summary FILE… (the targets as one markdown table from result files; BenchSummary.cs, tests/bench/suite.sh)
if (args.Length > 0 && args[0] == "loadgen") return await LoadGen.RunAsync(LoadGenSpec.Parse(args));
if (args.Length > 0 && args[0] == "floor-node") return await FloorNode.RunAsync(args);
if (args.Length > 0 && args[0] == "summary") return BenchSummary.Run(args[1..], Console.Out, Console.Error);
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: RetroIm.Bench idle|fanout|direct|connect|recover|ceiling|script [--clients K] [--nodes N] [--rate R] [--messages M] [--size BYTES] [--peer socketio --peer-dir DIR] [--floor] [--ephemeral] [--probe stream-sequence] [--results DIR]");
    return 2;
}
return await new Orchestrator(options).RunAsync();
