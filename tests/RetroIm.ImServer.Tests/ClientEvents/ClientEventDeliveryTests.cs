using System.Text.Json;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.ClientEvents;

[TestFixture]
public sealed class ClientEventDeliveryTests : ClientEventTestBase
{
    [Test]
    public async Task OnClientEvent_GrantedEvent_ArrivesWithSenderMetadataAndData()
    {
        var clientId = NewId("typist");
        var business = NewBusiness(NewId("group"));
        var received = new TaskCompletionSource<ClientEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        business.OnClientEvent("typing", e =>
        {
            if (e.ClientId == clientId) received.TrySetResult(e);
            return Task.CompletedTask;
        });
        var socket = await ConnectWithRightsAsync(clientId, "retro-7", "event.typing");

        var answer = await SendAndAnswerAsync(socket, """{"type":"event","event":"typing","data":{"field":"title"},"ackId":1}""", 1);
        var e = await received.Task.WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Type, Is.EqualTo("ack"));
            Assert.That(e.Event, Is.EqualTo("typing"));
            Assert.That(e.ClientId, Is.EqualTo(clientId));
            Assert.That(e.Metadata, Is.EqualTo("retro-7"));
            Assert.That(e.ConnectionId, Is.EqualTo(socket.Welcome!.Str("connectionId")));
            Assert.That(e.Node, Is.EqualTo(socket.Welcome!.Str("node")));
            Assert.That(e.Data.GetProperty("field").GetString(), Is.EqualTo("title"));
            Assert.That(e.Ts, Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task OnClientEvent_EventSentBeforeTheBusinessStarted_IsStillDelivered()
    {
        var clientId = NewId("early");
        var socket = await ConnectWithRightsAsync(clientId, null, "event.*");
        await SendAndAnswerAsync(socket, """{"type":"event","event":"hello","ackId":5}""", 5);

        var business = NewBusiness(NewId("group"));
        var received = new TaskCompletionSource<ClientEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        business.OnClientEvent("hello", e =>
        {
            if (e.ClientId == clientId) received.TrySetResult(e);
            return Task.CompletedTask;
        });

        var e = await received.Task.WaitAsync(Bound);
        Assert.That(e.Data.ValueKind, Is.EqualTo(JsonValueKind.Null), "no data → null");
    }

    [Test]
    public async Task OnClientEvent_ConsumerDiesBeforeAck_AnotherConsumerGetsTheSameEvent()
    {
        var clientId = NewId("sender");
        var group = NewId("group");
        var claimAfter = TimeSpan.FromMilliseconds(500);
        var dying = new ImClient(Cluster.Backplane, new ImHelperOptions { EventsGroup = group, EventsClaimAfter = claimAfter });
        var firstDelivery = new TaskCompletionSource<ClientEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        dying.OnClientEvent("work", async (e, ct) =>
        {
            if (e.ClientId != clientId) return;
            firstDelivery.TrySetResult(e);
            await Task.Delay(Timeout.Infinite, ct); // never returns: dies before acknowledging
        });
        var socket = await ConnectWithRightsAsync(clientId, "meta", "event.work");
        await SendAndAnswerAsync(socket, """{"type":"event","event":"work","data":42,"ackId":1}""", 1);
        var first = await firstDelivery.Task.WaitAsync(Bound);

        await dying.DisposeAsync().AsTask().WaitAsync(Bound);
        var survivor = NewBusiness(group, claimAfter);
        var redelivered = new TaskCompletionSource<ClientEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        survivor.OnClientEvent("work", e =>
        {
            if (e.ClientId == clientId) redelivered.TrySetResult(e);
            return Task.CompletedTask;
        });

        var second = await redelivered.Task.WaitAsync(Bound);
        Assert.Multiple(() =>
        {
            Assert.That(second.Id, Is.EqualTo(first.Id));
            Assert.That(second.Data.GetInt32(), Is.EqualTo(42));
            Assert.That(second.Metadata, Is.EqualTo("meta"));
        });
    }

    [Test]
    public async Task OnClientEvent_HandlerReturned_EventIsAcknowledged()
    {
        var clientId = NewId("once");
        var group = NewId("group");
        var business = NewBusiness(group);
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        business.OnClientEvent("once", e =>
        {
            if (e.ClientId == clientId) handled.TrySetResult();
            return Task.CompletedTask;
        });
        var socket = await ConnectWithRightsAsync(clientId, null, "event.once");
        await SendAndAnswerAsync(socket, """{"type":"event","event":"once","ackId":1}""", 1);
        await handled.Task.WaitAsync(Bound);

        // Acknowledged right after the handler returned: the group has nothing pending (XPENDING counts 0).
        var redis = await Cluster.GetRedisClientAsync();
        await Wait.UntilAsync(
            async () => (await redis.ExecuteAsync("XPENDING", "im:clientevents", group)).Items[0].AsInt64() == 0,
            Bound, "the event to be acknowledged", TimeSpan.FromMilliseconds(20));
    }
}
