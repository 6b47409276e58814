namespace RetroIm.WebApi.Tests.Topics;

[TestFixture]
public sealed class TopicsApiTests
{
    private RetroAppFactory _app = null!;
    private RetroApiClient _api = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        _app = new RetroAppFactory();
        _api = _app.CreateApiClient();
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task CreateTopic_Valid_Returns201UpcomingTopicByCaller()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync(), "Ann");

        var response = await _api.PostAsync($"/api/retros/{ann.RetroId}/topics", new { title = "Deploys are slow", description = "Twenty minutes" }, ann.Token);

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
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var path = $"/api/retros/{ann.RetroId}/topics";

        ProblemAssert.Validation(await _api.PostAsync(path, new { title = "" }, ann.Token), "title");
        ProblemAssert.Validation(await _api.PostAsync(path, new { title = new string('t', 201) }, ann.Token), "title");
        ProblemAssert.Validation(await _api.PostAsync(path, new { title = "ok", description = new string('d', 2001) }, ann.Token), "description");
        ProblemAssert.Validation(await _api.PostAsync(path, new { title = " ", description = new string('d', 2001) }, ann.Token), "title", "description");

        var board = await _api.GetBoardAsync(ann.RetroId);
        Assert.That(board.GetProperty("next").GetArrayLength(), Is.Zero);
        Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(2), "created + join only");
    }

    [Test]
    public async Task CreateTopic_LimitsExactly_AreAccepted()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());

        var response = await _api.PostAsync($"/api/retros/{ann.RetroId}/topics", new { title = new string('t', 200), description = new string('d', 2000) }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
    }

    [Test]
    public async Task CreateTopic_NoWrongOrForeignBearer_Returns401()
    {
        var retroId = await _api.CreateRetroAsync();
        await _api.JoinAsync(retroId);
        var stranger = await _api.JoinAsync(await _api.CreateRetroAsync(), "Eve");
        var path = $"/api/retros/{retroId}/topics";

        ProblemAssert.Problem(await _api.PostAsync(path, new { title = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await _api.PostAsync(path, new { title = "x" }, "forged"), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await _api.PostAsync(path, new { title = "x" }, stranger.Token), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.That((await _api.GetBoardAsync(retroId)).GetProperty("next").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task TopicCommands_UnknownRetroOrTopic_Return404()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());

        ProblemAssert.Problem(await _api.PostAsync("/api/retros/nope/topics", new { title = "x" }, ann.Token), HttpStatusCode.NotFound, "retro_not_found");
        foreach (var action in new[] { "start", "done", "reopen", "votes" })
        {
            ProblemAssert.Problem(await _api.TopicActionAsync(ann, "nope", action), HttpStatusCode.NotFound, "topic_not_found");
        }
        ProblemAssert.Problem(await _api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/nope/votes", token: ann.Token), HttpStatusCode.NotFound, "topic_not_found");
        ProblemAssert.Problem(await _api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/nope", new { title = "x" }, ann.Token), HttpStatusCode.NotFound, "topic_not_found");
    }

    [Test]
    public async Task TopicCommands_TopicOfAnotherRetro_Return404()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync(), "Ann");
        var eve = await _api.JoinAsync(await _api.CreateRetroAsync(), "Eve");
        var foreignTopic = await _api.AddTopicAsync(eve, "Eve's");

        ProblemAssert.Problem(await _api.TopicActionAsync(ann, foreignTopic, "start"), HttpStatusCode.NotFound, "topic_not_found");
    }

    [Test]
    public async Task UpdateTopic_TitleOnly_KeepsDescription()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topicId = await _api.AddTopicAsync(ann, "Old", "Keep me");

        var response = await _api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/{topicId}", new { title = "New" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Str("title"), Is.EqualTo("New"));
        Assert.That(response.Str("description"), Is.EqualTo("Keep me"));
    }

    [Test]
    public async Task UpdateTopic_NothingOrInvalid_Returns400()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topicId = await _api.AddTopicAsync(ann, "Old");
        var path = $"/api/retros/{ann.RetroId}/topics/{topicId}";

        ProblemAssert.Validation(await _api.SendAsync(HttpMethod.Put, path, new { }, ann.Token), "title");
        ProblemAssert.Validation(await _api.SendAsync(HttpMethod.Put, path, new { title = "" }, ann.Token), "title");
        ProblemAssert.Validation(await _api.SendAsync(HttpMethod.Put, path, new { description = new string('d', 2001) }, ann.Token), "description");
    }

    [Test]
    public async Task UpdateTopic_SameValues_DoesNotBumpVersion()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topicId = await _api.AddTopicAsync(ann, "Same", "Same");
        var before = (await _api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var response = await _api.SendAsync(HttpMethod.Put, $"/api/retros/{ann.RetroId}/topics/{topicId}", new { title = "Same", description = "Same" }, ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(before));
    }

    [Test]
    public async Task Start_WhileAnotherIsCurrent_SendsTheOtherBackToUpcoming()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var first = await _api.AddTopicAsync(ann, "First");
        var second = await _api.AddTopicAsync(ann, "Second");
        await _api.TopicActionAsync(ann, first, "start");

        var response = await _api.TopicActionAsync(ann, second, "start");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Str("status"), Is.EqualTo("current"));
        Assert.That(response.Json.GetProperty("startedAt").ValueKind, Is.EqualTo(JsonValueKind.String));
        var board = await _api.GetBoardAsync(ann.RetroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { second }));
        Assert.That(board.Ids("next"), Is.EqualTo(new[] { first }));
        Assert.That(board.GetProperty("next")[0].GetProperty("startedAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Start_CurrentTopic_ChangesNothing()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topic = await _api.AddTopicAsync(ann, "Only");
        await _api.TopicActionAsync(ann, topic, "start");
        var version = (await _api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var response = await _api.TopicActionAsync(ann, topic, "start");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(version));
    }

    [Test]
    public async Task Start_DoneTopic_Returns409UntilReopened()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topic = await _api.AddTopicAsync(ann, "Done already");
        await _api.TopicActionAsync(ann, topic, "done");

        ProblemAssert.Problem(await _api.TopicActionAsync(ann, topic, "start"), HttpStatusCode.Conflict, "topic_done");

        var reopened = await _api.TopicActionAsync(ann, topic, "reopen");
        Assert.That(reopened.Str("status"), Is.EqualTo("upcoming"));
        Assert.That(reopened.Json.GetProperty("doneAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((await _api.TopicActionAsync(ann, topic, "start")).Str("status"), Is.EqualTo("current"));
    }

    [Test]
    public async Task Reopen_CurrentTopic_Returns409()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topic = await _api.AddTopicAsync(ann, "Now");
        await _api.TopicActionAsync(ann, topic, "start");

        ProblemAssert.Problem(await _api.TopicActionAsync(ann, topic, "reopen"), HttpStatusCode.Conflict, "topic_current");
    }

    [Test]
    public async Task Done_CurrentTopic_PromotesMostVotedThenOldest()
    {
        var retroId = await _api.CreateRetroAsync();
        var ann = await _api.JoinAsync(retroId, "Ann");
        var bob = await _api.JoinAsync(retroId, "Bob");
        var current = await _api.AddTopicAsync(ann, "Current");
        var oldOneVote = await _api.AddTopicAsync(ann, "Old, one vote");
        var twoVotes = await _api.AddTopicAsync(ann, "Two votes");
        var newOneVote = await _api.AddTopicAsync(ann, "New, one vote");
        var noVotes = await _api.AddTopicAsync(ann, "No votes");
        await _api.TopicActionAsync(ann, current, "start");
        await _api.TopicActionAsync(ann, twoVotes, "votes");
        await _api.TopicActionAsync(bob, twoVotes, "votes");
        await _api.TopicActionAsync(bob, newOneVote, "votes");
        await _api.TopicActionAsync(ann, oldOneVote, "votes");

        var board = await _api.GetBoardAsync(retroId);
        Assert.That(board.Ids("next"), Is.EqualTo(new[] { twoVotes, oldOneVote, newOneVote, noVotes }), "next: votes desc, then oldest");

        Assert.That((await _api.TopicActionAsync(ann, current, "done")).Str("status"), Is.EqualTo("done"));
        board = await _api.GetBoardAsync(retroId);
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { current }));
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { twoVotes }));

        await _api.TopicActionAsync(ann, twoVotes, "done");
        board = await _api.GetBoardAsync(retroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { oldOneVote }), "ties go to the oldest");
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { current, twoVotes }), "previous in the order they were done");
    }

    [Test]
    public async Task Done_UpcomingTopic_LeavesCurrentAlone()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var current = await _api.AddTopicAsync(ann, "Current");
        var skipped = await _api.AddTopicAsync(ann, "Skipped");
        await _api.TopicActionAsync(ann, current, "start");

        await _api.TopicActionAsync(ann, skipped, "done");

        var board = await _api.GetBoardAsync(ann.RetroId);
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { current }));
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { skipped }));
    }

    [Test]
    public async Task Done_LastCurrentTopic_LeavesNoCurrent()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var only = await _api.AddTopicAsync(ann, "Only");
        await _api.TopicActionAsync(ann, only, "start");

        await _api.TopicActionAsync(ann, only, "done");

        Assert.That((await _api.GetBoardAsync(ann.RetroId)).Ids("current"), Is.Empty);
    }

    [Test]
    public async Task Vote_PastLimit_Returns409AndKeepsCounts()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topics = new List<string>();
        for (var i = 0; i < 4; i++) topics.Add(await _api.AddTopicAsync(ann, $"T{i}"));

        for (var i = 0; i < 3; i++)
        {
            var vote = await _api.TopicActionAsync(ann, topics[i], "votes");
            Assert.That(vote.Status, Is.EqualTo(HttpStatusCode.OK), vote.ToString());
            Assert.That(vote.Json.GetProperty("votesLeft").GetInt32(), Is.EqualTo(2 - i));
            Assert.That(vote.Json.GetProperty("topic").GetProperty("votes").GetInt64(), Is.EqualTo(1));
        }
        ProblemAssert.Problem(await _api.TopicActionAsync(ann, topics[3], "votes"), HttpStatusCode.Conflict, "vote_limit");

        var board = await _api.GetBoardAsync(ann.RetroId, ann.Token);
        var t3 = board.GetProperty("next").EnumerateArray().Single(t => t.Str("id") == topics[3]);
        Assert.That(t3.GetProperty("votes").GetInt64(), Is.Zero);
        Assert.That(board.GetProperty("me").GetProperty("votesLeft").GetInt32(), Is.Zero);
        Assert.That(board.GetProperty("me").GetProperty("votedTopicIds").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(topics.Take(3)));
    }

    [Test]
    public async Task Vote_SameTopicTwice_Returns409AlreadyVoted()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topic = await _api.AddTopicAsync(ann, "Once");
        await _api.TopicActionAsync(ann, topic, "votes");

        ProblemAssert.Problem(await _api.TopicActionAsync(ann, topic, "votes"), HttpStatusCode.Conflict, "already_voted");
    }

    [Test]
    public async Task Unvote_GivesTheVoteBack()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync());
        var topic = await _api.AddTopicAsync(ann, "Changed my mind");
        await _api.TopicActionAsync(ann, topic, "votes");

        var response = await _api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/{topic}/votes", token: ann.Token);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.Json.GetProperty("votesLeft").GetInt32(), Is.EqualTo(3));
        Assert.That(response.Json.GetProperty("topic").GetProperty("votes").GetInt64(), Is.Zero);
        ProblemAssert.Problem(
            await _api.SendAsync(HttpMethod.Delete, $"/api/retros/{ann.RetroId}/topics/{topic}/votes", token: ann.Token),
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
