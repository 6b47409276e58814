using Microsoft.Extensions.DependencyInjection;
using RetroIm.Im;

namespace RetroIm.WebApi.Tests.Push;

[TestFixture]
public sealed class PushTests : RetroAppTestBase
{
    [Test]
    public async Task Changes_ArriveAsTypedEventsWithConsecutiveVersions()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        await using var socket = await RetroEvents.ConnectAsync(ann);
        var version = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var topic = await Api.AddTopicAsync(ann, "Deploys are slow");
        await Api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/{topic}", new { description = "20 min" }, ann.Token);
        await Api.TopicActionAsync(ann, topic, "votes");
        await Api.TopicActionAsync(ann, topic, "start");
        await Api.TopicActionAsync(ann, topic, "done");
        await Api.TopicActionAsync(ann, topic, "reopen");

        var expected = new[] { "topic.created", "topic.updated", "vote.changed", "topic.started", "topic.done", "topic.reopened" };
        foreach (var type in expected)
        {
            var evt = await RetroEvents.NextChangeAsync(socket);
            Assert.That(evt.Str("type"), Is.EqualTo(type));
            Assert.That(evt.GetProperty("version").GetInt64(), Is.EqualTo(++version), type);
            Assert.That(evt.Str("retroId"), Is.EqualTo(ann.RetroId));
            Assert.That(evt.GetProperty("actor").Str("id"), Is.EqualTo(ann.Id));
            Assert.That(evt.GetProperty("actor").Str("name"), Is.EqualTo("Ann"));
            Assert.That(evt.GetProperty("topic").Str("id"), Is.EqualTo(topic));
            Assert.That(evt.GetProperty("participant").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(evt.GetProperty("activity").Str("type"), Is.EqualTo(type));
            Assert.That(evt.GetProperty("activity").Str("topicId"), Is.EqualTo(topic));
        }
        Assert.That((await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(version));
    }

    [Test]
    public async Task Done_WithUpcomingTopics_PushesDoneThenStartedOfTheNext()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var current = await Api.AddTopicAsync(ann, "Current");
        var next = await Api.AddTopicAsync(ann, "Next");
        await Api.TopicActionAsync(ann, current, "start");
        await using var socket = await RetroEvents.ConnectAsync(ann);

        await Api.TopicActionAsync(ann, current, "done");

        var done = await RetroEvents.NextChangeAsync(socket);
        var started = await RetroEvents.NextChangeAsync(socket);
        Assert.That((done.Str("type"), done.GetProperty("topic").Str("id"), done.GetProperty("topic").Str("status")), Is.EqualTo(("topic.done", current, "done")));
        Assert.That((started.Str("type"), started.GetProperty("topic").Str("id"), started.GetProperty("topic").Str("status")), Is.EqualTo(("topic.started", next, "current")));
        Assert.That(started.GetProperty("version").GetInt64(), Is.EqualTo(done.GetProperty("version").GetInt64() + 1));
    }

    [Test]
    public async Task Start_WhileAnotherIsCurrent_PushesUpdatedThenStarted()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var first = await Api.AddTopicAsync(ann, "First");
        var second = await Api.AddTopicAsync(ann, "Second");
        await Api.TopicActionAsync(ann, first, "start");
        await using var socket = await RetroEvents.ConnectAsync(ann);

        await Api.TopicActionAsync(ann, second, "start");

        var updated = await RetroEvents.NextChangeAsync(socket);
        var started = await RetroEvents.NextChangeAsync(socket);
        Assert.That((updated.Str("type"), updated.GetProperty("topic").Str("id"), updated.GetProperty("topic").Str("status")), Is.EqualTo(("topic.updated", first, "upcoming")));
        Assert.That((started.Str("type"), started.GetProperty("topic").Str("id")), Is.EqualTo(("topic.started", second)));
    }

    [Test]
    public async Task Join_AnotherParticipant_IsPushedAsParticipantJoined()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        await using var socket = await RetroEvents.ConnectAsync(ann);

        var bob = await Api.JoinAsync(ann.RetroId, "Bob");

        var joined = await RetroEvents.NextOfTypeAsync(socket, "participant.joined", bob.Id);
        Assert.That(joined.GetProperty("participant").Str("name"), Is.EqualTo("Bob"));
        Assert.That(joined.GetProperty("participant").GetProperty("online").GetBoolean(), Is.False);
        Assert.That(joined.GetProperty("actor").Str("id"), Is.EqualTo(bob.Id));
        Assert.That(joined.GetProperty("activity").Str("text"), Is.EqualTo("Bob joined"));
    }

    [Test]
    public async Task Presence_ParticipantConnectsAndLeaves_PushesOnlineThenOfflineWithoutVersion()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        var bob = await Api.JoinAsync(ann.RetroId, "Bob");
        await using var annSocket = await RetroEvents.ConnectAsync(ann);
        var version = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var bobSocket = await RetroEvents.ConnectAsync(bob);
        var online = await RetroEvents.NextOfTypeAsync(annSocket, "participant.online", bob.Id);
        var board = await Api.GetBoardAsync(ann.RetroId);
        await bobSocket.CloseAsync();
        await bobSocket.DisposeAsync();
        var offline = await RetroEvents.NextOfTypeAsync(annSocket, "participant.offline", bob.Id);

        Assert.Multiple(() =>
        {
            Assert.That(online.GetProperty("version").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(online.GetProperty("participant").GetProperty("online").GetBoolean(), Is.True);
            Assert.That(online.GetProperty("participant").Str("name"), Is.EqualTo("Bob"));
            Assert.That(online.GetProperty("activity").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(offline.GetProperty("version").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(offline.GetProperty("participant").GetProperty("online").GetBoolean(), Is.False);
            Assert.That(board.GetProperty("participants").EnumerateArray().Single(p => p.Str("id") == bob.Id).GetProperty("online").GetBoolean(), Is.True);
            Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(version), "presence is not a stored change");
        });
        var after = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(after.GetProperty("participants").EnumerateArray().Single(p => p.Str("id") == bob.Id).GetProperty("online").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Connect_NewUrlForAReconnect_Works()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        await using (await RetroEvents.ConnectAsync(ann))
        {
        }
        var url = (await Api.GetAsync($"/api/retros/{ann.RetroId}/connect", ann.Token)).Str("connectUrl");
        await using var socket = await RetroEvents.ConnectAsync(ann with { ConnectUrl = url });

        await Api.AddTopicAsync(ann, "After reconnect");

        Assert.That((await RetroEvents.NextChangeAsync(socket)).Str("type"), Is.EqualTo("topic.created"));
    }

    [Test]
    public async Task PushFailure_DoesNotFailTheRequestAndTheChangeStays()
    {
        await using var app = new RetroAppFactory();
        using var api = app.CreateApiClient();
        var ann = await api.JoinAsync(await api.CreateRetroAsync());
        // A real failure: ImHelper is gone (as if the backplane were down), so every push throws.
        await app.Services.GetRequiredService<ImClient>().DisposeAsync();

        var response = await api.PostAsync($"/api/retros/{ann.RetroId}/topics", new { title = "Still saved" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        var board = await api.GetBoardAsync(ann.RetroId);
        Assert.That(board.GetProperty("next").EnumerateArray().Select(t => t.Str("title")), Is.EqualTo(new[] { "Still saved" }));
    }
}
