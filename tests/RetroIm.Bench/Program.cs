using RetroIm.Bench;

// RetroIm.Bench SCENARIO [--clients K] [--nodes N] [--rate R] [--messages M] [--size BYTES]
//   idle    K connections held for --idle-seconds: server RSS per connection, CPU while idle
//   fanout  K clients in one channel over N nodes; M messages published through ImHelper at R deliveries/s
// RetroIm.Bench loadgen …   (internal: one load-generator process, driven by the orchestrator)
if (args.Length > 0 && args[0] == "loadgen")
{
    string Arg(string name) => args[Array.IndexOf(args, name) + 1];
    return await LoadGen.RunAsync(Arg("--redis"), Arg("--prefix"), int.Parse(Arg("--first")), int.Parse(Arg("--count")), int.Parse(Arg("--concurrency")));
}
var options = BenchOptions.Parse(args);
if (options.Scenario is not ("idle" or "fanout"))
{
    Console.Error.WriteLine("usage: RetroIm.Bench idle|fanout [--clients K] [--nodes N] [--rate R] [--messages M] [--size BYTES]");
    return 2;
}
return await new Orchestrator(options).RunAsync();
