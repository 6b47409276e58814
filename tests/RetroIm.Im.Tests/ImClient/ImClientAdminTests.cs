using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientAdminTests
{
    private InMemoryBackplane _backplane = null!;
    private Im.ImClient _client = null!;
    private SimulatedNode _n1 = null!;
    private SimulatedNode _n2 = null!;

    [SetUp]
    public async Task SetUp()
    {
        _backplane = new InMemoryBackplane();
        _client = new Im.ImClient(_backplane);
        _n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        _n2 = await SimulatedNode.StartAsync(_backplane, "n2");
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        await _backplane.DisposeAsync();
    }

    [Test]
    public async Task WhoAsync_TabsOnTwoNodes_CountsPerNode()
    {
        await _n1.ConnectAsync("a");
        await _n1.ConnectAsync("a");
        await _n2.ConnectAsync("a");

        Assert.That(await _client.WhoAsync("a"), Is.EqualTo(new Dictionary<string, long> { ["n1"] = 2, ["n2"] = 1 }));
        Assert.That(await _client.WhoAsync("nobody"), Is.Empty);
    }

    [Test]
    public void WhoAsync_EmptyClientId_Throws()
    {
        Assert.ThrowsAsync<ArgumentException>(() => _client.WhoAsync(""));
    }

    [Test]
    public async Task GetNodesAsync_NodeHeartbeatsStats_StatsReturned()
    {
        var stats = new NodeStats(1_700_000_000_000, 1, 0, 2.5, 0.5, 300, 40, 0, 10, 2);
        await _backplane.HeartbeatNodeAsync(_n1.Info with { Stats = stats }, TimeSpan.FromMinutes(1));

        var nodes = await _client.GetNodesAsync();

        Assert.That(nodes.Single(n => n.Id == "n1").Stats, Is.EqualTo(stats));
    }
}
