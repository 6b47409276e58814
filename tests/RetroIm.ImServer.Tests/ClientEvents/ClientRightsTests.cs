namespace RetroIm.ImServer.Tests.ClientEvents;

[TestFixture]
public sealed class ClientRightsTests : ClientEventTestBase
{
    [Test]
    public async Task Event_NotGranted_ForbiddenErrorAndTheSocketKeepsWorking()
    {
        var socket = await ConnectWithRightsAsync(NewId("limited"), null, "event.typing");

        var answer = await SendAndAnswerAsync(socket, """{"type":"event","event":"cursor","data":{"x":1},"ackId":7}""", 7);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Type, Is.EqualTo("error"));
            Assert.That(answer.Str("code"), Is.EqualTo("forbidden"));
            Assert.That(answer.Str("message"), Does.Contain("event.cursor"));
        });
        await AssertStillOpenAsync(socket);
        var allowed = await SendAndAnswerAsync(socket, """{"type":"event","event":"typing","ackId":8}""", 8);
        Assert.That(allowed.Type, Is.EqualTo("ack"));
    }

    [Test]
    public async Task JoinLeavePublish_NoRights_AllForbiddenAndNothingChanges()
    {
        var clientId = NewId("nobody");
        var chan = NewId("room");
        var socket = await ConnectWithRightsAsync(clientId, null);

        var join = await SendAndAnswerAsync(socket, $$"""{"type":"join","chan":"{{chan}}","ackId":1}""", 1);
        var leave = await SendAndAnswerAsync(socket, $$"""{"type":"leave","chan":"{{chan}}","ackId":2}""", 2);
        var publish = await SendAndAnswerAsync(socket, $$"""{"type":"publish","chan":"{{chan}}","data":"hi","ackId":3}""", 3);

        Assert.Multiple(() =>
        {
            Assert.That(new[] { join, leave, publish }.Select(f => f.Str("code")), Is.All.EqualTo("forbidden"));
        });
        Assert.That(await Cluster.Client.GetChanClientListAsync(chan), Is.Empty);
        await AssertStillOpenAsync(socket);
    }

    [Test]
    public async Task Event_WithoutAckId_ForbiddenErrorStillSent()
    {
        var socket = await ConnectWithRightsAsync(NewId("quiet"), null);

        await socket.SendTextAsync("""{"type":"event","event":"typing"}""");
        var (error, _) = await socket.ReceiveUntilAsync(f => f.Type == "error", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(error.Str("code"), Is.EqualTo("forbidden"));
            Assert.That(error.Json.TryGetProperty("ackId", out _), Is.False);
        });
    }

    [Test]
    public async Task Event_MissingName_BadRequestAndTheSocketKeepsWorking()
    {
        var socket = await ConnectWithRightsAsync(NewId("sloppy"), null, "event.*");

        var answer = await SendAndAnswerAsync(socket, """{"type":"event","data":1,"ackId":4}""", 4);

        Assert.That(answer.Str("code"), Is.EqualTo("bad_request"));
        await AssertStillOpenAsync(socket);
    }

    [Test]
    public async Task JoinAndLeave_Granted_ChannelMessagesStartAndStop()
    {
        var clientId = NewId("joiner");
        var chan = "room:" + NewId("r");
        var socket = await ConnectWithRightsAsync(clientId, null, "joinLeaveChan.room:*");

        var joined = await SendAndAnswerAsync(socket, $$"""{"type":"join","chan":"{{chan}}","ackId":1}""", 1);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "welcome in" });
        var (message, _) = await socket.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "welcome in"), Bound);

        Assert.Multiple(async () =>
        {
            Assert.That(joined.Type, Is.EqualTo("ack"));
            Assert.That(message.Str("chan"), Is.EqualTo(chan));
            Assert.That(await Cluster.Client.GetChanClientListAsync(chan), Is.EqualTo(new[] { clientId }));
        });

        var left = await SendAndAnswerAsync(socket, $$"""{"type":"leave","chan":"{{chan}}","ackId":2}""", 2);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { text = "after leave" });
        var before = await Frames.ReadUpToMarkerAsync(Cluster, clientId, socket, Bound);

        Assert.Multiple(async () =>
        {
            Assert.That(left.Type, Is.EqualTo("ack"));
            Assert.That(Frames.CountMessages(before, "text", "after leave"), Is.Zero);
            Assert.That(await Cluster.Client.GetChanClientListAsync(chan), Is.Empty);
        });
    }

    [Test]
    public async Task Publish_Granted_MembersReceiveItFromTheClient()
    {
        var publisher = NewId("speaker");
        var member = NewId("listener");
        var chan = "retro:" + NewId("r");
        await Cluster.Client.JoinChanAsync(chan, member);
        var memberSocket = await ConnectToAsync(member, NodeB);
        var socket = await ConnectWithRightsAsync(publisher, null, "sendToChan." + chan);

        var answer = await SendAndAnswerAsync(socket, $$"""{"type":"publish","chan":"{{chan}}","data":{"text":"from a client"},"ackId":9}""", 9);
        var (message, _) = await memberSocket.ReceiveUntilAsync(f => Frames.IsMessageWith(f, "text", "from a client"), Bound);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Type, Is.EqualTo("ack"));
            Assert.That(message.Str("from"), Is.EqualTo(publisher));
            Assert.That(message.Str("chan"), Is.EqualTo(chan));
        });
        var other = await SendAndAnswerAsync(socket, """{"type":"publish","chan":"retro:other","data":1,"ackId":10}""", 10);
        Assert.That(other.Str("code"), Is.EqualTo("forbidden"), "sendToChan.<chan> covers that channel only");
    }

    [Test]
    public async Task GrantAsync_LiveConnection_AllowsAtOnce_RevokeAsync_ForbidsAgain()
    {
        var clientId = NewId("promoted");
        var socket = await ConnectWithRightsAsync(clientId, null);
        var before = await SendAndAnswerAsync(socket, """{"type":"event","event":"vote","ackId":1}""", 1);

        await Cluster.Client.GrantAsync(clientId, ImRightsFor.Vote);
        var granted = await SendAndAnswerAsync(socket, """{"type":"event","event":"vote","ackId":2}""", 2);
        await Cluster.Client.RevokeAsync(clientId, ImRightsFor.Vote);
        var revoked = await SendAndAnswerAsync(socket, """{"type":"event","event":"vote","ackId":3}""", 3);

        Assert.Multiple(() =>
        {
            Assert.That(before.Str("code"), Is.EqualTo("forbidden"));
            Assert.That(granted.Type, Is.EqualTo("ack"));
            Assert.That(revoked.Str("code"), Is.EqualTo("forbidden"));
        });
    }

    [Test]
    public void PrevConnectServerAsync_MalformedRight_ThrowsArgumentException()
    {
        Assert.ThrowsAsync<ArgumentException>(() => Cluster.Client.PrevConnectServerAsync(NewId("x"), null, ["event.ty*ping"]));
    }

    private static class ImRightsFor
    {
        public static readonly string Vote = RetroIm.Im.Rights.ImRights.Event("vote");
    }
}
