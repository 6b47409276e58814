using System.Diagnostics;
using RetroIm.Client;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>
/// A drain moves .NET clients (<see cref="ImConnection"/>) make-before-break: each opens its new connection on another
/// node before closing the old one, so presence never sees it offline, and positions make every message arrive once,
/// in order, across the move — while the moves stay spread over the drain window.
/// </summary>
[TestFixture]
public sealed class DrainMakeBeforeBreakTests : DrainClusterTestBase
{
    [Test]
    public async Task Drain_DotnetClientsWhileMessagesFlow_NoOfflineNoLossNoDuplicateSpreadOverTheWindow()
    {
        var drained = Cluster[2];
        var clients = Enumerable.Range(0, 16).Select(i => new MovingClient(Cluster, NewId("mbb" + i), drained)).ToArray();
        foreach (var client in clients) Own(client);
        await Task.WhenAll(clients.Select(c => c.StartAsync(Bound)));
        await Cluster.Presence.WaitForAllAsync(PresenceEvent.Online, clients.Select(c => c.Id), Bound);
        Assert.That(clients.Select(c => c.Connection.Welcome!.Node), Is.All.EqualTo(drained.NodeId));

        var ids = clients.Select(c => c.Id).ToArray();
        using var stopSending = new CancellationTokenSource();
        var sent = 0;
        var sending = Task.Run(async () =>
        {
            while (!stopSending.IsCancellationRequested)
            {
                await Cluster.Client.SendMessageAsync(null, ids, new { n = sent + 1 });
                sent++;
                await Task.Delay(20);
            }
        });
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref sent) >= 5), Bound, "messages to flow before the drain");
        var (exitCode, output) = await ImCtlRunner.RunAsync("--redis", Cluster.RedisConnectionString, "drain", drained.NodeId);
        Assert.That(exitCode, Is.Zero, output);

        var moves = await Task.WhenAll(clients.Select(c => c.Moved.WaitAsync(Window + TimeSpan.FromSeconds(20))));
        await stopSending.CancelAsync();
        await sending.WaitAsync(Bound);
        await Task.WhenAll(clients.Select(c => c.WaitForAsync(sent, Bound)));

        await TestContext.Out.WriteLineAsync($"sent={sent}; moved at (s): {string.Join(", ", moves.Select(m => m.TotalSeconds.ToString("0.0")).Order())}");
        Assert.Multiple(() =>
        {
            foreach (var client in clients)
            {
                Assert.That(Cluster.Presence.Count(PresenceEvent.Offline, client.Id), Is.Zero, $"{client.Id} never went offline");
                Assert.That(client.Connection.Welcome!.Node, Is.Not.EqualTo(drained.NodeId), $"{client.Id} moved off the draining node");
                Assert.That(client.Received, Is.EqualTo(Enumerable.Range(1, sent)), $"{client.Id}: every message once, in order");
                Assert.That(client.Connection.State, Is.EqualTo(ImConnectionState.Open));
            }
            // Not a storm: the moves follow the node's jittered afterMs, spread over the window.
            Assert.That(moves.Max() - moves.Min(), Is.GreaterThan(Window / 3), "moves spread over the drain window");
            var perSecond = moves.GroupBy(m => (int)m.TotalSeconds).Max(g => g.Count());
            Assert.That(perSecond, Is.LessThan(clients.Length * 2 / 3), "no second takes most of the reconnects");
        });
    }

    /// <summary>An ImConnection that first connects to <c>first</c>, then wherever ImHelper routes it; records what it receives.</summary>
    private sealed class MovingClient : IAsyncDisposable
    {
        private readonly ImServerProcess _first;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly TaskCompletionSource<TimeSpan> _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<int> _received = [];
        private int _urls;

        public MovingClient(ImCluster cluster, string id, ImServerProcess first)
        {
            Id = id;
            _first = first;
            Connection = new ImConnection(
                async _ => new Uri(Interlocked.Increment(ref _urls) == 1 ? await cluster.IssueUrlForNodeAsync(id, first) : await cluster.ConnectUrlAsync(id)),
                new ImConnectionOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
            Connection.On("welcome", e =>
            {
                if (e.Frame.GetProperty("node").GetString() != _first.NodeId) _moved.TrySetResult(_clock.Elapsed);
            });
            Connection.On("message", e =>
            {
                lock (_received) _received.Add(e.Data.GetProperty("n").GetInt32());
            });
        }

        public string Id { get; }

        public ImConnection Connection { get; }

        /// <summary>When (since this client was created) its first welcome from another node arrived.</summary>
        public Task<TimeSpan> Moved => _moved.Task;

        public IReadOnlyList<int> Received
        {
            get
            {
                lock (_received) return [.. _received];
            }
        }

        public Task StartAsync(TimeSpan timeout) => Connection.StartAsync().WaitAsync(timeout);

        public Task WaitForAsync(int n, TimeSpan timeout)
            => Wait.UntilAsync(() => Task.FromResult(Received.Contains(n)), timeout, $"{Id} to receive message {n}");

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
