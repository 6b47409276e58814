using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.ImCtl;

[TestFixture]
public sealed class ImCtlStatsTests : ClusterTestBase
{
    [Test]
    public async Task Stats_ClientSendingOnNodeA_TableListsBothNodesWithFigures()
    {
        var client = await ConnectToAsync(NewId("stats"), NodeA);
        for (var i = 0; i < 3; i++)
        {
            await client.SendTextAsync("""{"type":"ping"}""");
            await client.ExpectAsync("pong");
        }
        // The figures travel with the heartbeat (every second in tests): wait for one taken after the pings.
        await Wait.UntilAsync(async () =>
        {
            var stats = (await Cluster.Client.GetNodesAsync()).Single(n => n.Id == NodeA.NodeId).Stats;
            return stats is { Clients: >= 1, MessagesIn: >= 3, MessagesOut: >= 3 };
        }, Bound, "node A's stats to count the client and its pings");

        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "stats");

        Assert.That(exitCode, Is.Zero, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("NODE").And.Contain("CONNS").And.Contain("MSG OUT/s").And.Contain("DROPS"));
        var rowA = lines.Single(l => l.StartsWith(NodeA.NodeId + " ", StringComparison.Ordinal));
        Assert.That(rowA.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], Is.Not.EqualTo("0"), "connections of node A");
        Assert.That(lines.Any(l => l.StartsWith(NodeB.NodeId + " ", StringComparison.Ordinal)), output);
        Assert.That(lines[^1], Does.StartWith("TOTAL"));
    }

    [Test]
    public async Task Stats_Json_PrintsNodesWithStats()
    {
        await ConnectToAsync(NewId("stats"), NodeB);
        await Wait.UntilAsync(async () =>
            (await Cluster.Client.GetNodesAsync()).Single(n => n.Id == NodeB.NodeId).Stats is { Clients: >= 1 },
            Bound, "node B's stats to count the client");

        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "stats", "--json");

        Assert.That(exitCode, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        var nodeB = json.RootElement.EnumerateArray().Single(n => n.GetProperty("id").GetString() == NodeB.NodeId);
        var stats = nodeB.GetProperty("stats");
        Assert.That(stats.GetProperty("clients").GetInt64(), Is.GreaterThanOrEqualTo(1));
        foreach (var name in new[] { "chans", "messagesOutPerSec", "messagesInPerSec", "bytesOutPerSec", "bytesInPerSec", "queueDrops", "atMs" })
        {
            Assert.That(stats.TryGetProperty(name, out _), Is.True, name);
        }
    }

    [Test]
    public async Task Who_TabsOnTwoNodes_PrintsNodesWithCounts()
    {
        var id = NewId("who");
        await ConnectToAsync(id, NodeA);
        await ConnectToAsync(id, NodeA);
        await ConnectToAsync(id, NodeB);

        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "who", id);

        Assert.That(exitCode, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.That(root.GetProperty("online").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("connections").GetInt64(), Is.EqualTo(3));
        var nodes = root.GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("node").GetString()!, n => (n.GetProperty("connections").GetInt64(), n.GetProperty("url").GetString()));
        Assert.That(nodes, Is.EqualTo(new Dictionary<string, (long, string?)>
        {
            [NodeA.NodeId] = (2, NodeA.Url),
            [NodeB.NodeId] = (1, NodeB.Url),
        }));
    }

    [Test]
    public async Task Who_OfflineClient_PrintsNoNodes()
    {
        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "who", NewId("nobody"));

        Assert.That(exitCode, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("online").GetBoolean(), Is.False);
        Assert.That(json.RootElement.GetProperty("nodes").GetArrayLength(), Is.Zero);
    }

    private static async Task<(int ExitCode, string Stdout)> RunImCtlAsync(params string[] args)
    {
        await using var process = ChildProcess.StartDotnet(BuiltProgram.ImCtlDll, args, keepStandardOutput: true);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await TestContext.Out.WriteLineAsync(process.Log.All());
        return (code, process.StandardOutput);
    }
}
