using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task HeartbeatNode_WithStats_GetNodesReturnsTheLatestFigures()
    {
        var first = new NodeStats(1_700_000_005_000, 3, 2, 10.5, 1.25, 2048, 64, 0, 52, 6);
        var later = first with { AtMs = 1_700_000_010_000, Clients = 4, MessagesOutPerSec = 0, QueueDrops = 1, MessagesOut = 60 };
        await Backplane.HeartbeatNodeAsync(Node("n1", connections: 5) with { Stats = first }, LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1", connections: 6) with { Stats = later }, LongTtl);

        var nodes = await Backplane.GetNodesAsync();

        Assert.That(nodes, Is.EqualTo(new[] { Node("n1", connections: 6) with { Stats = later } }));
    }

    [Test]
    public async Task HeartbeatNode_WithoutStats_StatsNull()
    {
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);

        var nodes = await Backplane.GetNodesAsync();

        Assert.That(nodes.Single().Stats, Is.Null);
    }
}
