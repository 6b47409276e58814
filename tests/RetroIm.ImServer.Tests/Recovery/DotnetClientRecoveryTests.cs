using System.Threading.Channels;
using RetroIm.Client;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>The .NET client tracks positions and presents them when it reconnects after its node died.</summary>
[TestFixture]
public sealed class DotnetClientRecoveryTests : ClusterTestBase
{
    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 1);

    protected override bool SharesCluster => false;

    [Test]
    public async Task ImConnection_NodeKilled_ReconnectsElsewhereAndGetsMissedMessagesOnce()
    {
        var doomed = await Cluster.StartNodeAsync();
        var id = NewId("dotnet");
        var target = doomed;
        var frames = Channel.CreateUnbounded<ImEnvelope>();
        await using var connection = new ImConnection(
            async _ => new Uri(await Cluster.IssueUrlForNodeAsync(id, Volatile.Read(ref target))),
            new ImConnectionOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        connection.On("message", e => frames.Writer.TryWrite(e));
        connection.On("recovered", e => frames.Writer.TryWrite(e));
        connection.On("recover_failed", e => frames.Writer.TryWrite(e));
        await connection.StartAsync().WaitAsync(Bound);

        await Cluster.Client.SendMessageAsync(null, [id], new { n = 1 });
        var first = await frames.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Volatile.Write(ref target, NodeA);
        doomed.Kill();
        for (var n = 2; n <= 4; n++) await Cluster.Client.SendMessageAsync(null, [id], new { n });
        var received = new List<ImEnvelope>();
        while (received.LastOrDefault()?.Type != "recovered") received.Add(await frames.Reader.ReadAsync().AsTask().WaitAsync(Bound * 3));
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 5 });
        var live = await frames.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(first.Position!.Offset, Is.EqualTo(1));
            Assert.That(received.Select(e => e.Type), Is.EqualTo(new[] { "message", "message", "message", "recovered" }));
            Assert.That(received.Take(3).Select(e => e.Data.GetProperty("n").GetInt32()), Is.EqualTo(new[] { 2, 3, 4 }));
            Assert.That(live.Position!.Offset, Is.EqualTo(5));
            Assert.That(connection.Positions, Is.EqualTo(new[] { new ImStreamPosition("c:" + id, first.Position.Epoch, 5) }));
        });
    }
}
