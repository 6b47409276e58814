using RetroIm.Testing;
using RetroIm.WebApi.Tests.Push;

namespace RetroIm.WebApi.Tests.Typing;

[TestFixture]
public sealed class TypingTests : RetroAppTestBase
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task TypingEvent_FromAParticipant_PushedAsParticipantTypingToTheRetro()
    {
        var retroId = await Api.CreateRetroAsync();
        var ann = await Api.JoinAsync(retroId, "Ann");
        var bob = await Api.JoinAsync(retroId, "Bob");
        await using var annSocket = await RetroEvents.ConnectAsync(ann);
        await using var bobSocket = await RetroEvents.ConnectAsync(bob);

        await annSocket.SendTextAsync("""{"type":"event","event":"typing","data":{"field":"add-topic-title"},"ackId":1}""");
        var (ack, _) = await annSocket.ReceiveUntilAsync(f => f.Type is "ack" or "error", Bound);
        var typing = await RetroEvents.NextAsync(bobSocket, e => e.Str("type") == "participant.typing");

        Assert.Multiple(() =>
        {
            Assert.That(ack.Type, Is.EqualTo("ack"), ack.ToString());
            Assert.That(typing.Str("retroId"), Is.EqualTo(retroId));
            Assert.That(typing.GetProperty("version").ValueKind, Is.EqualTo(JsonValueKind.Null), "like presence: nothing stored changed");
            Assert.That(typing.GetProperty("actor").Str("id"), Is.EqualTo(ann.Id));
            Assert.That(typing.GetProperty("actor").Str("name"), Is.EqualTo("Ann"));
            Assert.That(typing.GetProperty("participant").Str("id"), Is.EqualTo(ann.Id));
        });
    }

    [Test]
    public async Task ConnectUrl_GrantsOnlyTyping_OtherEventsAndJoinsAreForbidden()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        await using var socket = await RetroEvents.ConnectAsync(ann);

        await socket.SendTextAsync("""{"type":"event","event":"cursor","data":{"x":1},"ackId":1}""");
        var (eventAnswer, _) = await socket.ReceiveUntilAsync(f => f.Type is "ack" or "error", Bound);
        await socket.SendTextAsync("""{"type":"join","chan":"retro:someone-else","ackId":2}""");
        var (joinAnswer, _) = await socket.ReceiveUntilAsync(f => f.Type is "ack" or "error", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(eventAnswer.Str("code"), Is.EqualTo("forbidden"));
            Assert.That(joinAnswer.Str("code"), Is.EqualTo("forbidden"));
        });
    }
}
