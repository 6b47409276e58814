using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.Bench;

/// <summary>
/// The peer: redis-server plus N Socket.IO 4.8 node processes with <c>@socket.io/redis-adapter</c> (tests/bench/socketio/
/// server.js), published to through <c>@socket.io/redis-emitter</c> (publisher.js). Clients name their room in the
/// handshake query: the channel for fanout, their own id for direct.
/// </summary>
internal sealed class SocketIoTarget(string peerDir) : IBenchTarget
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<int> _ports = [];
    private readonly HashSet<int> _killed = [];
    private RedisServer? _redis;
    private NodeProcess? _publisher;

    public string Name => "Socket.IO";

    public bool ReplaysMissedMessages => false;

    public IReadOnlyList<int> ServerProcessIds => _nodes.Where((_, i) => !_killed.Contains(i)).Select(n => n.Id).ToArray();

    public int? RedisProcessId => _redis?.ProcessId;

    public string? RedisConnectionString => _redis?.ConnectionString;

    public double PublisherCpuSeconds() => _publisher is null ? 0 : ProcStats.CpuSeconds(_publisher.Id);

    public async Task StartAsync(int nodes)
    {
        _redis = await RedisServer.StartAsync();
        var server = Path.GetFullPath(Path.Combine(peerDir, "server.js"));
        for (var i = 0; i < nodes; i++)
        {
            var port = TestPorts.GetFreePort();
            _nodes.Add(await NodeProcess.StartAsync(server, ["--expose-gc"], ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis-port", _redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], StartTimeout));
            _ports.Add(port);
        }
        _publisher = await NodeProcess.StartAsync(Path.GetFullPath(Path.Combine(peerDir, "publisher.js")),
            ["--redis-port", _redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], StartTimeout);
    }

    public Task PrepareAsync(string scenario, string prefix, int clients) => Task.CompletedTask;

    public Task<bool> CollectGarbageAsync() => ServerDebug.CollectGarbageAsync(_ports.Where((_, i) => !_killed.Contains(i)));

    public LoadGenSpec LoadGenSpec(string scenario, string prefix, int first, int count, int concurrency)
    {
        var join = scenario switch
        {
            "fanout" or "ceiling" or "recover" => RetroImTarget.Chan,
            "direct" => "$self",
            _ => null,
        };
        return new("socketio", null, [.. _ports], prefix, first, count, concurrency, join, scenario == "recover");
    }

    public async Task<double> PublishAsync(PublishPlan plan)
    {
        var command = plan.ToCommand(RetroImTarget.Chan, ScenarioRunner.ClientPrefix);
        var bound = plan.AnswerBound;
        var done = await _publisher!.AskAsync(command, bound);
        if (done.GetProperty("event").GetString() != "done") throw new InvalidOperationException("publisher: " + done);
        return done.GetProperty("seconds").GetDouble();
    }

    public void KillNode(int index)
    {
        _nodes[index].Kill();
        _killed.Add(index);
    }

    public async ValueTask DisposeAsync()
    {
        if (_publisher is not null) await _publisher.DisposeAsync();
        foreach (var n in _nodes) await n.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
