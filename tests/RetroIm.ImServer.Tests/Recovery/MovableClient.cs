using System.Threading.Channels;
using RetroIm.Client;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>
/// An <see cref="ImConnection"/> on a node of its own that the test can kill, holding the reconnect back until the
/// test has done what should happen while the client is away (so the reconnect surely comes after it).
/// </summary>
internal sealed class MovableClient : IAsyncDisposable
{
    private readonly Channel<ImEnvelope> _frames = Channel.CreateUnbounded<ImEnvelope>();
    private readonly List<ImEnvelope> _welcomes = [];
    private readonly ImServerProcess _doomed;
    private ImServerProcess _target;
    private Task _mayConnect = Task.CompletedTask;

    private MovableClient(ImCluster cluster, string clientId, ImServerProcess doomed)
    {
        _doomed = doomed;
        _target = doomed;
        Connection = new ImConnection(
            async ct =>
            {
                await Volatile.Read(ref _mayConnect).WaitAsync(ct);
                return new Uri(await cluster.IssueUrlForNodeAsync(clientId, Volatile.Read(ref _target)));
            },
            new ImConnectionOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        foreach (var type in new[] { "message", "joined", "recovered", "recover_failed" }) Connection.On(type, e => _frames.Writer.TryWrite(e));
        Connection.On("welcome", e =>
        {
            lock (_welcomes) _welcomes.Add(e);
        });
    }

    public ImConnection Connection { get; }

    /// <summary>Every welcome so far, oldest first.</summary>
    public IReadOnlyList<ImEnvelope> Welcomes
    {
        get
        {
            lock (_welcomes) return [.. _welcomes];
        }
    }

    /// <summary>Starts a node for the client and connects it there.</summary>
    public static async Task<MovableClient> StartAsync(ImCluster cluster, string clientId)
    {
        var client = new MovableClient(cluster, clientId, await cluster.StartNodeAsync());
        await client.Connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return client;
    }

    /// <summary>The frames (message, joined, recovered, recover_failed) up to and including the first that matches.</summary>
    public async Task<IReadOnlyList<ImEnvelope>> ReadUntilAsync(Func<ImEnvelope, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var frames = new List<ImEnvelope>();
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cts.Token);
            frames.Add(frame);
            if (match(frame)) return frames;
        }
    }

    /// <summary>Kills the client's node, runs <paramref name="whileAway"/>, then lets it reconnect to <paramref name="next"/>.</summary>
    public async Task LoseNodeAsync(ImServerProcess next, Func<Task> whileAway)
    {
        var reconnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _mayConnect, reconnect.Task);
        Volatile.Write(ref _target, next);
        _doomed.Kill();
        try
        {
            await whileAway();
        }
        finally
        {
            reconnect.TrySetResult();
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
