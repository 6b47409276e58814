using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>
/// Base of the drain fixtures: each gets its own three-node cluster (a drain changes the node's state for good) with a
/// short <see cref="Window"/>, so moves spread over a few seconds rather than the default minute.
/// </summary>
public abstract class DrainClusterTestBase : ClusterTestBase
{
    protected static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    /// <summary>How long after its delay a client that does not move is closed (shorter than the 5 s default).</summary>
    protected static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    protected override Task<ImCluster> StartClusterAsync()
        => ImCluster.StartAsync(nodeCount: 3, nodeArgs: [$"--ImServer:DrainWindow={Window:c}", $"--ImServer:DrainGrace={Grace:c}"]);

    protected override bool SharesCluster => false;
}
