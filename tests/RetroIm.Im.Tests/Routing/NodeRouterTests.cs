using NUnit.Framework;
using RetroIm.Im.Routing;

namespace RetroIm.Im.Tests.Routing;

[TestFixture]
public sealed class NodeRouterTests
{
    private static readonly string[] ThreeNodes = ["127.0.0.1:6001", "127.0.0.1:6002", "127.0.0.1:6003"];

    [Test]
    public void Pick_SameInputs_SameNodeEveryTime()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = "client-" + i;
            Assert.That(NodeRouter.Pick(id, ThreeNodes, n => n), Is.EqualTo(NodeRouter.Pick(id, ThreeNodes, n => n)));
        }
    }

    [Test]
    public void Pick_NodeOrderDiffers_SameNode()
    {
        string[] reversed = [.. ThreeNodes.Reverse()];
        for (var i = 0; i < 1000; i++)
        {
            var id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(NodeRouter.Pick(id, reversed, n => n), Is.EqualTo(NodeRouter.Pick(id, ThreeNodes, n => n)), id);
        }
    }

    [TestCase("-1")]
    [TestCase("-9223372036854775808")]
    [TestCase("9223372036854775807")]
    [TestCase("0")]
    [TestCase("用户-张三")]
    [TestCase("👩‍💻🚀")]
    [TestCase("a")]
    public void Pick_AnyStringId_ReturnsAListedNode(string clientId)
    {
        Assert.That(ThreeNodes, Does.Contain(NodeRouter.Pick(clientId, ThreeNodes, n => n)));
    }

    [Test]
    public void Pick_LongIdOfFullLength_Works()
    {
        var id = new string('x', 256);
        Assert.That(ThreeNodes, Does.Contain(NodeRouter.Pick(id, ThreeNodes, n => n)));
    }

    [Test]
    public void Pick_NoNodes_ThrowsInvalidOperationWithHint()
    {
        Assert.That(() => NodeRouter.Pick("1", Array.Empty<string>(), n => n),
            Throws.InvalidOperationException.With.Message.Contains("No live ImServer node"));
    }

    [Test]
    public void Pick_TenThousandIds_SpreadEvenlyOverThreeNodes()
    {
        var counts = ThreeNodes.ToDictionary(n => n, _ => 0);
        for (var i = 0; i < 10_000; i++) counts[NodeRouter.Pick(Id(i), ThreeNodes, n => n)]++;

        const double even = 10_000 / 3.0;
        foreach (var (node, count) in counts)
        {
            Assert.That(count, Is.InRange(even * 0.85, even * 1.15), $"{node} got {count}");
        }
    }

    [Test]
    public void Pick_FourthNodeAdded_OnlyIdsNowOnTheNewNodeMove()
    {
        string[] four = [.. ThreeNodes, "127.0.0.1:6004"];
        var moved = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var before = NodeRouter.Pick(Id(i), ThreeNodes, n => n);
            var after = NodeRouter.Pick(Id(i), four, n => n);
            if (before == after) continue;
            moved++;
            Assert.That(after, Is.EqualTo("127.0.0.1:6004"), $"id {Id(i)} moved between old nodes");
        }
        Assert.That(moved, Is.InRange(2_000, 3_000), "about a quarter of the ids should move to the new node");
    }

    [Test]
    public void Pick_NodeRemoved_OnlyItsIdsMove()
    {
        string[] two = [ThreeNodes[0], ThreeNodes[1]];
        for (var i = 0; i < 10_000; i++)
        {
            var before = NodeRouter.Pick(Id(i), ThreeNodes, n => n);
            if (before == ThreeNodes[2]) continue;
            Assert.That(NodeRouter.Pick(Id(i), two, n => n), Is.EqualTo(before));
        }
    }

    [Test]
    public void Hash_SplitBetweenArguments_Differs()
    {
        Assert.That(StableHash.Hash("ab", "c"), Is.Not.EqualTo(StableHash.Hash("a", "bc")));
    }

    // Mixed id shapes, as real systems have: negative longs, Guids and plain numbers.
    private static string Id(int i) => (i % 3) switch
    {
        0 => (-(long)i * 7919).ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => new Guid(i, 0, 0, new byte[8]).ToString(),
        _ => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
