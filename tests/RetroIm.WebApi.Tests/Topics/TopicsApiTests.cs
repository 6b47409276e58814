namespace RetroIm.WebApi.Tests.Topics;

[TestFixture]
public sealed class TopicsApiTests : RetroAppTestBase
{
    [Test]
    public async Task CreateTopic_Valid_Returns201UpcomingTopicByCaller()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");

        var response = await Api.PostAsync($"/api/retros/{ann.RetroId}/topics", new { title = "Deploys are slow", description = "Twenty minutes" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        var topic = response.Json;
        Assert.Multiple(() =>
        {
            Assert.That(topic.Str("title"), Is.EqualTo("Deploys are slow"));
            Assert.That(topic.Str("description"), Is.EqualTo("Twenty minutes"));
            Assert.That(topic.Str("status"), Is.EqualTo("upcoming"));
            Assert.That(topic.GetProperty("votes").GetInt64(), Is.Zero);
            Assert.That(topic.GetProperty("order").GetInt64(), Is.EqualTo(1));
            Assert.That(topic.GetProperty("createdBy").Str("id"), Is.EqualTo(ann.Id));
            Assert.That(topic.GetProperty("createdBy").Str("name"), Is.EqualTo("Ann"));
            Assert.That(topic.GetProperty("startedAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(topic.GetProperty("doneAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
    }

    [Test]
    public async Task CreateTopic_BadFields_Returns400WithFieldErrorsAndWritesNothing()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var path = $"/api/retros/{ann.RetroId}/topics";

        ProblemAssert.Validation(await Api.PostAsync(path, new { title = "" }, ann.Token), "title");
        ProblemAssert.Validation(await Api.PostAsync(path, new { title = new string('t', 201) }, ann.Token), "title");
        ProblemAssert.Validation(await Api.PostAsync(path, new { title = "ok", description = new string('d', 2001) }, ann.Token), "description");
        ProblemAssert.Validation(await Api.PostAsync(path, new { title = " ", description = new string('d', 2001) }, ann.Token), "title", "description");

        var board = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(board.GetProperty("next").GetArrayLength(), Is.Zero);
        Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(2), "created + join only");
    }

    [Test]
    public async Task CreateTopic_LimitsExactly_AreAccepted()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());

        var response = await Api.PostAsync($"/api/retros/{ann.RetroId}/topics", new { title = new string('t', 200), description = new string('d', 2000) }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
    }

    [Test]
    public async Task CreateTopic_NoWrongOrForeignBearer_Returns401()
    {
        var retroId = await Api.CreateRetroAsync();
        await Api.JoinAsync(retroId);
        var stranger = await Api.JoinAsync(await Api.CreateRetroAsync(), "Eve");
        var path = $"/api/retros/{retroId}/topics";

        ProblemAssert.Problem(await Api.PostAsync(path, new { title = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await Api.PostAsync(path, new { title = "x" }, "forged"), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await Api.PostAsync(path, new { title = "x" }, stranger.Token), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.That((await Api.GetBoardAsync(retroId)).GetProperty("next").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task TopicCommands_UnknownRetroOrTopic_Return404()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());

        ProblemAssert.Problem(await Api.PostAsync("/api/retros/nope/topics", new { title = "x" }, ann.Token), HttpStatusCode.NotFound, "retro_not_found");
        foreach (var action in new[] { "start", "done", "reopen", "votes" })
        {
            ProblemAssert.Problem(await Api.TopicActionAsync(ann, "nope", action), HttpStatusCode.NotFound, "topic_not_found");
        }
        ProblemAssert.Problem(await Api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/nope/votes", token: ann.Token), HttpStatusCode.NotFound, "topic_not_found");
        ProblemAssert.Problem(await Api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/nope", new { title = "x" }, ann.Token), HttpStatusCode.NotFound, "topic_not_found");
    }

    [Test]
    public async Task TopicCommands_TopicOfAnotherRetro_Return404()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync(), "Ann");
        var eve = await Api.JoinAsync(await Api.CreateRetroAsync(), "Eve");
        var foreignTopic = await Api.AddTopicAsync(eve, "Eve's");

        ProblemAssert.Problem(await Api.TopicActionAsync(ann, foreignTopic, "start"), HttpStatusCode.NotFound, "topic_not_found");
    }

    [Test]
    public async Task UpdateTopic_TitleOnly_KeepsDescription()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topicId = await Api.AddTopicAsync(ann, "Old", "Keep me");

        var response = await Api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/{topicId}", new { title = "New" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Str("title"), Is.EqualTo("New"));
        Assert.That(response.Str("description"), Is.EqualTo("Keep me"));
    }

    [Test]
    public async Task UpdateTopic_NothingOrInvalid_Returns400()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topicId = await Api.AddTopicAsync(ann, "Old");
        var path = $"/api/retros/{ann.RetroId}/topics/{topicId}";

        ProblemAssert.Validation(await Api.SendAsync(HttpMethod.Put, path, new { }, ann.Token), "title");
        ProblemAssert.Validation(await Api.SendAsync(HttpMethod.Put, path, new { title = "" }, ann.Token), "title");
        ProblemAssert.Validation(await Api.SendAsync(HttpMethod.Put, path, new { description = new string('d', 2001) }, ann.Token), "description");
    }

    [Test]
    public async Task UpdateTopic_SameValues_DoesNotBumpVersion()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topicId = await Api.AddTopicAsync(ann, "Same", "Same");
        var before = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var response = await Api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/{topicId}", new { title = "Same", description = "Same" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(before));
    }

    [Test]
    public async Task Start_WhileAnotherIsCurrent_SendsTheOtherBackToUpcoming()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var first = await Api.AddTopicAsync(ann, "First");
        var second = await Api.AddTopicAsync(ann, "Second");
        await Api.TopicActionAsync(ann, first, "start");

        var response = await Api.TopicActionAsync(ann, second, "start");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Str("status"), Is.EqualTo("current"));
        Assert.That(response.Json.GetProperty("startedAt").ValueKind, Is.EqualTo(JsonValueKind.String));
        var board = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { second }));
        Assert.That(board.Ids("next"), Is.EqualTo(new[] { first }));
        Assert.That(board.GetProperty("next")[0].GetProperty("startedAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Start_CurrentTopic_ChangesNothing()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Only");
        await Api.TopicActionAsync(ann, topic, "start");
        var version = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var response = await Api.TopicActionAsync(ann, topic, "start");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(version));
    }

    [Test]
    public async Task Start_DoneTopic_Returns409UntilReopened()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Done already");
        await Api.TopicActionAsync(ann, topic, "done");

        ProblemAssert.Problem(await Api.TopicActionAsync(ann, topic, "start"), HttpStatusCode.Conflict, "topic_done");

        var reopened = await Api.TopicActionAsync(ann, topic, "reopen");
        Assert.That(reopened.Str("status"), Is.EqualTo("upcoming"));
        Assert.That(reopened.Json.GetProperty("doneAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((await Api.TopicActionAsync(ann, topic, "start")).Str("status"), Is.EqualTo("current"));
    }

    [Test]
    public async Task Reopen_CurrentTopic_Returns409()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Now");
        await Api.TopicActionAsync(ann, topic, "start");

        ProblemAssert.Problem(await Api.TopicActionAsync(ann, topic, "reopen"), HttpStatusCode.Conflict, "topic_current");
    }

    [Test]
    public async Task Done_CurrentTopic_PromotesMostVotedThenOldest()
    {
        var retroId = await Api.CreateRetroAsync();
        var ann = await Api.JoinAsync(retroId, "Ann");
        var bob = await Api.JoinAsync(retroId, "Bob");
        var current = await Api.AddTopicAsync(ann, "Current");
        var oldOneVote = await Api.AddTopicAsync(ann, "Old, one vote");
        var twoVotes = await Api.AddTopicAsync(ann, "Two votes");
        var newOneVote = await Api.AddTopicAsync(ann, "New, one vote");
        var noVotes = await Api.AddTopicAsync(ann, "No votes");
        await Api.TopicActionAsync(ann, current, "start");
        await Api.TopicActionAsync(ann, twoVotes, "votes");
        await Api.TopicActionAsync(bob, twoVotes, "votes");
        await Api.TopicActionAsync(bob, newOneVote, "votes");
        await Api.TopicActionAsync(ann, oldOneVote, "votes");

        var board = await Api.GetBoardAsync(retroId);
        Assert.That(board.Ids("next"), Is.EqualTo(new[] { twoVotes, oldOneVote, newOneVote, noVotes }), "next: votes desc, then oldest");

        Assert.That((await Api.TopicActionAsync(ann, current, "done")).Str("status"), Is.EqualTo("done"));
        board = await Api.GetBoardAsync(retroId);
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { current }));
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { twoVotes }));

        await Api.TopicActionAsync(ann, twoVotes, "done");
        board = await Api.GetBoardAsync(retroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { oldOneVote }), "ties go to the oldest");
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { current, twoVotes }), "previous in the order they were done");
    }

    [Test]
    public async Task Done_UpcomingTopic_LeavesCurrentAlone()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var current = await Api.AddTopicAsync(ann, "Current");
        var skipped = await Api.AddTopicAsync(ann, "Skipped");
        await Api.TopicActionAsync(ann, current, "start");

        await Api.TopicActionAsync(ann, skipped, "done");

        var board = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { current }));
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { skipped }));
    }

    [Test]
    public async Task Done_LastCurrentTopic_LeavesNoCurrent()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var only = await Api.AddTopicAsync(ann, "Only");
        await Api.TopicActionAsync(ann, only, "start");

        await Api.TopicActionAsync(ann, only, "done");

        Assert.That((await Api.GetBoardAsync(ann.RetroId)).Ids("current"), Is.Empty);
    }

    [Test]
    public async Task Vote_PastLimit_Returns409AndKeepsCounts()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topics = new List<string>();
        for (var i = 0; i < 4; i++) topics.Add(await Api.AddTopicAsync(ann, $"T{i}"));

        for (var i = 0; i < 3; i++)
        {
            var vote = await Api.TopicActionAsync(ann, topics[i], "votes");
            Assert.That(vote.Status, Is.EqualTo(HttpStatusCode.OK), vote.ToString());
            Assert.That(vote.Json.GetProperty("votesLeft").GetInt32(), Is.EqualTo(2 - i));
            Assert.That(vote.Json.GetProperty("topic").GetProperty("votes").GetInt64(), Is.EqualTo(1));
        }
        ProblemAssert.Problem(await Api.TopicActionAsync(ann, topics[3], "votes"), HttpStatusCode.Conflict, "vote_limit");

        var board = await Api.GetBoardAsync(ann.RetroId, ann.Token);
        var t3 = board.GetProperty("next").EnumerateArray().Single(t => t.Str("id") == topics[3]);
        Assert.That(t3.GetProperty("votes").GetInt64(), Is.Zero);
        Assert.That(board.GetProperty("me").GetProperty("votesLeft").GetInt32(), Is.Zero);
        Assert.That(board.GetProperty("me").GetProperty("votedTopicIds").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(topics.Take(3)));
    }

    [Test]
    public async Task Vote_SameTopicTwice_Returns409AlreadyVoted()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Once");
        await Api.TopicActionAsync(ann, topic, "votes");

        ProblemAssert.Problem(await Api.TopicActionAsync(ann, topic, "votes"), HttpStatusCode.Conflict, "already_voted");
    }

    [Test]
    public async Task Unvote_GivesTheVoteBack()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Changed my mind");
        await Api.TopicActionAsync(ann, topic, "votes");

        var response = await Api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/{topic}/votes", token: ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Json.GetProperty("votesLeft").GetInt32(), Is.EqualTo(3));
        Assert.That(response.Json.GetProperty("topic").GetProperty("votes").GetInt64(), Is.Zero);
        ProblemAssert.Problem(
            await Api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/{topic}/votes", token: ann.Token),
            HttpStatusCode.Conflict, "not_voted");
    }

    [Test]
    public async Task VotesLimit_IsConfigurable()
    {
        await using var app = new RetroAppFactory(new Dictionary<string, string?> { ["Retro:VotesPerParticipant"] = "1" });
        using var api = app.CreateApiClient();
        var ann = await api.JoinAsync(await api.CreateRetroAsync());
        var a = await api.AddTopicAsync(ann, "A");
        var b = await api.AddTopicAsync(ann, "B");

        Assert.That((await api.TopicActionAsync(ann, a, "votes")).Json.GetProperty("votesLeft").GetInt32(), Is.Zero);
        ProblemAssert.Problem(await api.TopicActionAsync(ann, b, "votes"), HttpStatusCode.Conflict, "vote_limit");
        Assert.That((await api.GetBoardAsync(ann.RetroId)).GetProperty("votesPerParticipant").GetInt32(), Is.EqualTo(1));
    }
}
