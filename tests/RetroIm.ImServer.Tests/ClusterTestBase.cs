using NUnit.Framework.Interfaces;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests;

/// <summary>
/// Base of the fixtures that run on <see cref="SharedCluster"/> (or on their own cluster, by overriding
/// <see cref="StartClusterAsync"/>): closes every socket a test opened, and prints the nodes' logs when a test fails.
/// </summary>
public abstract class ClusterTestBase
{
    private readonly List<IAsyncDisposable> _owned = [];
    private ImCluster? _cluster;

    protected ImCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    protected ImServerProcess NodeA => Cluster[0];

    protected ImServerProcess NodeB => Cluster[1];

    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    protected virtual Task<ImCluster> StartClusterAsync() => SharedCluster.GetAsync();

    /// <summary>False: the cluster belongs to the fixture and is disposed with it.</summary>
    protected virtual bool SharesCluster => true;

    [OneTimeSetUp]
    public async Task StartClusterForFixtureAsync() => _cluster = await StartClusterAsync();

    [OneTimeTearDown]
    public async Task StopOwnClusterAsync()
    {
        if (!SharesCluster && _cluster is not null) await _cluster.DisposeAsync();
    }

    [TearDown]
    public async Task CleanUpAsync()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed && _cluster is not null)
        {
            await TestContext.Out.WriteLineAsync(_cluster.DescribeForFailure());
        }
        IAsyncDisposable[] owned;
        lock (_owned)
        {
            owned = [.. _owned];
            _owned.Clear();
        }
        await Task.WhenAll(owned.Select(o => o.DisposeAsync().AsTask()));
    }

    /// <summary>Disposes <paramref name="item"/> after the test.</summary>
    protected T Own<T>(T item) where T : IAsyncDisposable
    {
        lock (_owned) _owned.Add(item);
        return item;
    }

    /// <summary>A client id no other test uses.</summary>
    protected static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    protected async Task<TestWebSocketClient> ConnectAsync(string clientId, string? metadata = null)
        => Own(await Cluster.ConnectAsync(clientId, metadata));

    protected async Task<TestWebSocketClient> ConnectToAsync(string clientId, ImServerProcess node, string? metadata = null, TestWebSocketOptions? options = null)
        => Own(await Cluster.ConnectToNodeAsync(clientId, node, metadata, options));
}
