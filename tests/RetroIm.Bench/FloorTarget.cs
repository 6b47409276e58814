using System.Globalization;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// The floor (<c>--floor</c>): N <see cref="FloorNode"/> processes, each sending every message it makes to each of its
/// sockets with one <c>send</c>, measured with the same load generator and the same accounting as the two systems.
/// Its figures are what this machine itself costs: a relay's CPU per delivery over the floor's is what the relay adds.
/// </summary>
internal sealed class FloorTarget : IBenchTarget
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<int> _ports = [];
    private readonly HashSet<int> _killed = [];

    public string Name => "Floor";

    public bool ReplaysMissedMessages => false;

    public IReadOnlyList<int> ServerProcessIds => _nodes.Where((_, i) => !_killed.Contains(i)).Select(n => n.Id).ToArray();

    public int? RedisProcessId => null;

    /// <summary>The nodes make their own messages; that CPU is counted as server CPU (a little against the floor).</summary>
    public double PublisherCpuSeconds() => 0;

    public async Task StartAsync(int nodes)
    {
        for (var i = 0; i < nodes; i++)
        {
            var node = await NodeProcess.StartBenchAsync("floor-node", ["--node", i.ToString(CultureInfo.InvariantCulture), "--nodes", nodes.ToString(CultureInfo.InvariantCulture)], StartTimeout);
            _nodes.Add(node);
            _ports.Add(node.Ready.GetProperty("port").GetInt32());
        }
    }

    public Task PrepareAsync(string scenario, string prefix, int clients) => Task.CompletedTask;

    public LoadGenSpec LoadGenSpec(string scenario, string prefix, int first, int count, int concurrency)
        => new("floor", null, [.. _ports], prefix, first, count, concurrency, null, false);

    /// <summary>Every node runs the plan's schedule for its own sockets at once; the slowest node's seconds.</summary>
    public async Task<double> PublishAsync(PublishPlan plan)
    {
        var command = plan.ToCommand(RetroImTarget.Chan, ScenarioRunner.ClientPrefix);
        var bound = plan.AnswerBound;
        var done = await Task.WhenAll(ServerNodes().Select(n => n.AskAsync(command, bound)));
        return done.Max(d => d.GetProperty("seconds").GetDouble());
    }

    public async Task<bool> CollectGarbageAsync()
    {
        foreach (var node in ServerNodes()) await node.AskAsync("gc", TimeSpan.FromSeconds(30));
        return true;
    }

    public async Task<ServerAllocations?> AllocationsAsync()
    {
        var nodes = new List<ServerAllocations>();
        foreach (var node in ServerNodes()) nodes.Add(ServerAllocations.Parse(await node.AskAsync("alloc", TimeSpan.FromSeconds(30))));
        return ServerAllocations.Sum(nodes);
    }

    public void KillNode(int index)
    {
        _nodes[index].Kill();
        _killed.Add(index);
    }

    private IEnumerable<NodeProcess> ServerNodes() => _nodes.Where((_, i) => !_killed.Contains(i));

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes) await n.DisposeAsync();
    }
}
