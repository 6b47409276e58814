using RetroIm.Im;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>Optional client acknowledgements: a receipt tells written from acknowledged.</summary>
[TestFixture]
public sealed class AckTests : ClusterTestBase
{
    [Test]
    public async Task SendMessageWithReceipt_OneReceiverAcks_AckedListsOnlyIt()
    {
        await using var client = new ImClient(Cluster.Backplane, new ImHelperOptions { AckTimeout = TimeSpan.FromSeconds(1) });
        var acking = NewId("acking");
        var silent = NewId("silent");
        var ackingSocket = await ConnectToAsync(acking, NodeA);
        await ConnectToAsync(silent, NodeB);

        var sending = client.SendMessageAsync(null, [acking, silent], new { n = 1 }, receipt: true);
        var message = await ackingSocket.ExpectAsync("message", Bound);
        var pos = StreamPositions.Of(message)!.Value;
        await ackingSocket.SendJsonAsync(new { type = "ack", stream = pos.Stream, offset = pos.Offset });
        var receipt = await sending.WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(receipt!.Written, Is.EquivalentTo(new[] { acking, silent }));
            Assert.That(receipt.Acked, Is.EqualTo(new[] { acking }));
        });
    }

    [Test]
    public async Task SendMessageWithReceipt_EveryReceiverAcks_ReturnsWithoutWaitingForTheTimeout()
    {
        await using var client = new ImClient(Cluster.Backplane, new ImHelperOptions { AckTimeout = TimeSpan.FromSeconds(30) });
        var id = NewId("acker");
        var socket = await ConnectToAsync(id, NodeA);

        var sending = client.SendMessageAsync(null, [id], new { n = 1 }, receipt: true);
        var pos = StreamPositions.Of(await socket.ExpectAsync("message", Bound))!.Value;
        await socket.SendJsonAsync(new { type = "ack", stream = pos.Stream, offset = pos.Offset });
        var receipt = await sending.WaitAsync(Bound);

        Assert.That((receipt!.Written, receipt.Acked), Is.EqualTo((new[] { id }, new[] { id })));
    }

    [Test]
    public async Task SendMessageWithReceipt_NoAckTimeout_ReturnsAfterWritesWithoutAcks()
    {
        var id = NewId("noack");
        await ConnectToAsync(id, NodeA);

        var receipt = await Cluster.Client.SendMessageAsync(null, [id], new { n = 1 }, receipt: true).WaitAsync(Bound);

        Assert.That((receipt!.Written, receipt.Acked), Is.EqualTo((new[] { id }, Array.Empty<string>())));
    }

    [Test]
    public async Task Ack_Malformed_ErrorFrameAndConnectionStaysOpen()
    {
        var id = NewId("badack");
        var socket = await ConnectToAsync(id, NodeA);

        await socket.SendTextAsync("""{"type":"ack","stream":42}""");
        var error = await socket.ExpectAsync("error", Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 1 });

        Assert.That(error.Str("code"), Is.EqualTo("bad_json"));
        Assert.That((await socket.ExpectAsync("message", Bound)).Type, Is.EqualTo("message"));
    }
}
