using System.Threading.Channels;
using RetroIm.Client;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.DotnetClient;

/// <summary>The .NET client's typed handlers against a real node: payloads arrive as records, filtered by channel.</summary>
[TestFixture]
public sealed class TypedHandlerTests : ClusterTestBase
{
    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 1);

    public sealed record Move(string Card, int Column);

    [Test]
    public async Task OnMessage_TypedAndFilteredByChannel_GetsOnlyThatChannelsPayloadsAndReportsBadOnes()
    {
        var id = NewId("typed");
        var chan = "board:" + NewId("b");
        await Cluster.Client.JoinChanAsync(chan, id);
        var moves = Channel.CreateUnbounded<(Move Move, ImEnvelope Envelope)>();
        var errors = Channel.CreateUnbounded<Exception>();
        await using var connection = new ImConnection(async _ => new Uri(await Cluster.Client.PrevConnectServerAsync(id)));
        connection.Error += e => errors.Writer.TryWrite(e);
        using var registration = connection.OnMessage<Move>((move, envelope) => moves.Writer.TryWrite((move, envelope)), chan);
        await connection.StartAsync().WaitAsync(Bound);

        await Cluster.Client.SendMessageAsync(null, [id], new { card = "direct", column = 9 });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { card = "not a move", column = "three" });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { card = "c1", column = 2 });
        var (move, envelope) = await moves.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(move, Is.EqualTo(new Move("c1", 2)), "the direct message and the malformed one are not delivered to the handler");
            Assert.That(envelope.Chan, Is.EqualTo(chan));
            Assert.That(error, Is.InstanceOf<System.Text.Json.JsonException>());
            Assert.That(error.Message, Does.Contain(nameof(Move)));
            Assert.That(connection.State, Is.EqualTo(ImConnectionState.Open));
        });
    }
}
