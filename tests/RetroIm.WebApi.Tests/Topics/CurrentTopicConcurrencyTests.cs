namespace RetroIm.WebApi.Tests.Topics;

[TestFixture]
public sealed class CurrentTopicConcurrencyTests : RetroAppTestBase
{
    [Test]
    public async Task Start_20ConcurrentRequestsOnDifferentTopics_LeavesExactlyOneCurrent()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topics = new List<string>();
        for (var i = 0; i < 20; i++) topics.Add(await Api.AddTopicAsync(ann, $"Topic {i}"));
        var versionBefore = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var responses = await Task.WhenAll(topics.Select(t => Api.TopicActionAsync(ann, t, "start")));

        Assert.That(responses.Select(r => r.Status), Is.All.EqualTo(HttpStatusCode.OK));
        var board = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(board.GetProperty("current").GetArrayLength(), Is.EqualTo(1));
        Assert.That(board.GetProperty("next").GetArrayLength(), Is.EqualTo(19));
        // The first start makes one change, each later one two (the previous current goes back, the new one starts).
        Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(versionBefore + 1 + 19 * 2));
    }

    [Test]
    public async Task Start_20ConcurrentRequestsOnOneTopic_StartsItOnce()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topic = await Api.AddTopicAsync(ann, "Everyone clicks");
        var versionBefore = (await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Api.TopicActionAsync(ann, topic, "start")));

        Assert.That(responses.Select(r => r.Str("status")), Is.All.EqualTo("current"));
        Assert.That((await Api.GetBoardAsync(ann.RetroId)).GetProperty("version").GetInt64(), Is.EqualTo(versionBefore + 1));
    }

    [Test]
    public async Task Done_20ConcurrentRequestsOnCurrent_PromotesOnlyOnce()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var current = await Api.AddTopicAsync(ann, "Current");
        var next = await Api.AddTopicAsync(ann, "Next");
        var after = await Api.AddTopicAsync(ann, "After");
        await Api.TopicActionAsync(ann, current, "start");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Api.TopicActionAsync(ann, current, "done")));

        var board = await Api.GetBoardAsync(ann.RetroId);
        Assert.That(board.Ids("previous"), Is.EqualTo(new[] { current }));
        Assert.That(board.Ids("current"), Is.EqualTo(new[] { next }));
        Assert.That(board.Ids("next"), Is.EqualTo(new[] { after }));
    }

    [Test]
    public async Task Vote_ConcurrentPastLimit_AcceptsExactlyTheLimit()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topics = new List<string>();
        for (var i = 0; i < 10; i++) topics.Add(await Api.AddTopicAsync(ann, $"T{i}"));

        var responses = await Task.WhenAll(topics.Select(t => Api.TopicActionAsync(ann, t, "votes")));

        Assert.That(responses.Count(r => r.Status == HttpStatusCode.OK), Is.EqualTo(3));
        Assert.That(responses.Count(r => r.Status == HttpStatusCode.Conflict), Is.EqualTo(7));
        var board = await Api.GetBoardAsync(ann.RetroId, ann.Token);
        Assert.That(board.GetProperty("next").EnumerateArray().Sum(t => t.GetProperty("votes").GetInt64()), Is.EqualTo(3));
    }

    [Test]
    public async Task Start_ConcurrentFromTwoProcessesOnOneDatabase_LeavesExactlyOneCurrent()
    {
        // A second app on the same SQLite file: no shared in-process lock, only BEGIN IMMEDIATE and the unique index.
        await using var other = new RetroAppFactory(new Dictionary<string, string?> { ["Retro:Database"] = App.DatabasePath });
        using var otherApi = other.CreateApiClient();
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var topics = new List<string>();
        for (var i = 0; i < 20; i++) topics.Add(await Api.AddTopicAsync(ann, $"Topic {i}"));

        var responses = await Task.WhenAll(topics.Select((t, i) => (i % 2 == 0 ? Api : otherApi).TopicActionAsync(ann, t, "start")));

        Assert.That(responses.Select(r => r.Status), Is.All.EqualTo(HttpStatusCode.OK), string.Join("\n", responses.Select(r => r.ToString())));
        var board = await otherApi.GetBoardAsync(ann.RetroId);
        Assert.That(board.GetProperty("current").GetArrayLength(), Is.EqualTo(1));
        Assert.That(board.GetProperty("next").GetArrayLength(), Is.EqualTo(19));
    }
}
