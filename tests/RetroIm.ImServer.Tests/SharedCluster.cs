using RetroIm.Testing;

namespace RetroIm.ImServer.Tests;

/// <summary>
/// One Redis + two ImServer nodes shared by every fixture that does not break the cluster itself; started by the
/// first fixture that asks, stopped after the last test of the assembly. Tests keep independent by using their own
/// client ids and channels and by closing every connection they open.
/// </summary>
[SetUpFixture]
public sealed class SharedCluster
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ImCluster? _cluster;

    public static async Task<ImCluster> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _cluster ??= await ImCluster.StartAsync(nodeCount: 2).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_cluster is null) return;
        await _cluster.DisposeAsync();
        _cluster = null;
    }
}
