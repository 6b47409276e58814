using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.ImCtl;

[TestFixture]
public sealed class ImCtlTests : ClusterTestBase
{
    [Test]
    public async Task Nodes_TwoNodeCluster_PrintsJsonListingBoth()
    {
        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "nodes");

        Assert.That(exitCode, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        var strings = Strings(json.RootElement).ToList();
        Assert.That(strings, Does.Contain(NodeA.NodeId), output);
        Assert.That(strings, Does.Contain(NodeB.NodeId), output);
        Assert.That(output, Does.Contain(NodeA.Url).And.Contain(NodeB.Url));
    }

    [Test]
    public async Task Online_ConnectedClient_PrintsTrue()
    {
        var client = NewId("ctl");
        await ConnectToAsync(client, NodeB);

        var (exitCode, output) = await RunImCtlAsync("--redis", Cluster.RedisConnectionString, "online", client);

        Assert.That(exitCode, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        Assert.That(output, Does.Contain("true"), output);
    }

    private static async Task<(int ExitCode, string Stdout)> RunImCtlAsync(params string[] args)
    {
        await using var process = ChildProcess.StartDotnet(BuiltProgram.ImCtlDll, args, keepStandardOutput: true);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await TestContext.Out.WriteLineAsync(process.Log.All());
        return (code, process.StandardOutput);
    }

    private static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var s in Strings(item)) yield return s;
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var s in Strings(property.Value)) yield return s;
                }
                break;
        }
    }
}
