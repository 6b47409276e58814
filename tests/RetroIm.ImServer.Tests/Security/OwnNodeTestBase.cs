using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>
/// Base of the fixtures that need limits the shared cluster does not have: each starts one node of its own with
/// <see cref="NodeArgs"/> (e.g. <c>--ImServer:FramesPerSecond=10</c>) and stops it after the fixture.
/// </summary>
public abstract class OwnNodeTestBase : ClusterTestBase
{
    /// <summary>Command-line configuration for the fixture's node.</summary>
    protected abstract IEnumerable<string> NodeArgs { get; }

    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 1, nodeArgs: NodeArgs);

    protected override bool SharesCluster => false;
}
