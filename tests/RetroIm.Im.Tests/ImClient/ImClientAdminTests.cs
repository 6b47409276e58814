using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientAdminTests : TwoNodeTestBase
{
    [Test]
    public async Task WhoAsync_TabsOnTwoNodes_CountsPerNode()
    {
        await N1.ConnectAsync("a");
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("a");

        Assert.That(await Client.WhoAsync("a"), Is.EqualTo(new Dictionary<string, long> { ["n1"] = 2, ["n2"] = 1 }));
        Assert.That(await Client.WhoAsync("nobody"), Is.Empty);
    }

    [Test]
    public void WhoAsync_EmptyClientId_Throws()
    {
        Assert.ThrowsAsync<ArgumentException>(() => Client.WhoAsync(""));
    }

    [Test]
    public async Task GetNodesAsync_NodeHeartbeatsStats_StatsReturned()
    {
        var stats = new NodeStats(1_700_000_000_000, 1, 0, 2.5, 0.5, 300, 40, 0, 10, 2);
        await Backplane.HeartbeatNodeAsync(N1.Info with { Stats = stats }, TimeSpan.FromMinutes(1));

        var nodes = await Client.GetNodesAsync();

        Assert.That(nodes.Single(n => n.Id == "n1").Stats, Is.EqualTo(stats));
    }
}
