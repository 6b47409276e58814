using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>
/// A test client that honours <c>{"type":"reconnect","afterMs":n}</c> as the SDKs do: after n ms it closes its
/// socket, asks the business for a fresh URL and connects there. <see cref="Moved"/> says when and where.
/// </summary>
internal sealed class DrainMover : IAsyncDisposable
{
    private readonly TaskCompletionSource<DrainMove> _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public DrainMover(ImCluster cluster, string clientId, TestWebSocketClient first)
    {
        Current = first;
        _run = RunAsync(cluster, clientId, first);
    }

    /// <summary>The socket in use: the first one until the move, then the new one.</summary>
    public TestWebSocketClient? Current { get; private set; }

    public Task<DrainMove> Moved => _moved.Task;

    private async Task RunAsync(ImCluster cluster, string clientId, TestWebSocketClient first)
    {
        try
        {
            var (reconnect, _) = await first.ReceiveUntilAsync(f => f.Type == "reconnect", TimeSpan.FromSeconds(30));
            var afterMs = reconnect.Json.GetProperty("afterMs").GetInt64();
            await Task.Delay(TimeSpan.FromMilliseconds(afterMs), _stop.Token);
            await first.CloseAsync(TimeSpan.FromSeconds(5));
            var next = await cluster.ConnectAsync(clientId);
            Current = next;
            _moved.TrySetResult(new DrainMove(afterMs, next.Welcome!.Str("node")!, DateTime.UtcNow));
            await first.DisposeAsync();
        }
        catch (Exception e)
        {
            _moved.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Current is not null) await Current.DisposeAsync();
        _stop.Dispose();
    }
}

/// <summary>Where and when a <see cref="DrainMover"/> landed, and the delay its node gave it.</summary>
internal sealed record DrainMove(long AfterMs, string Node, DateTime ReconnectedAt);
