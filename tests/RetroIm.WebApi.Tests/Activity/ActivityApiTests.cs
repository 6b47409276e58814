using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using RetroIm.WebApi.Activity;

namespace RetroIm.WebApi.Tests.Activity;

[TestFixture]
public sealed class ActivityApiTests : RetroAppTestBase
{
    [Test]
    public async Task Activity_EveryChange_IsListedNewestFirstWithActorAndText()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync("Retro"), "Ann");
        var topic = await Api.AddTopicAsync(ann, "Deploys are slow");
        await Api.TopicActionAsync(ann, topic, "votes");
        await Api.TopicActionAsync(ann, topic, "start");
        await Api.TopicActionAsync(ann, topic, "done");
        await Api.TopicActionAsync(ann, topic, "reopen");

        var page = await Api.GetAsync($"/api/retros/{ann.RetroId}/activity");

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.ToString());
        var items = page.Json.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(i => i.Str("type")), Is.EqualTo(new[]
        {
            "topic.reopened", "topic.done", "topic.started", "vote.changed", "topic.created", "participant.joined", "retro.created",
        }));
        Assert.That(items.Select(i => i.Str("text")), Is.EqualTo(new[]
        {
            "Ann reopened “Deploys are slow”", "Ann marked “Deploys are slow” done", "Ann started “Deploys are slow”",
            "Ann voted for “Deploys are slow”", "Ann added “Deploys are slow”", "Ann joined", "Retro “Retro” created",
        }));
        Assert.That(items[0].GetProperty("actor").Str("id"), Is.EqualTo(ann.Id));
        Assert.That(items[0].GetProperty("actor").Str("name"), Is.EqualTo("Ann"));
        Assert.That(items[0].Str("topicId"), Is.EqualTo(topic));
        Assert.That(items[^1].GetProperty("actor").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(items[^1].GetProperty("topicId").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(page.Json.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Activity_Paged_WalksBackWithTheNextCursor()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        for (var i = 0; i < 5; i++) await Api.AddTopicAsync(ann, $"T{i}");
        // 7 entries: retro created, joined, 5 topics.

        var seen = new List<long>();
        string path = $"/api/retros/{ann.RetroId}/activity?limit=3";
        var pages = 0;
        while (true)
        {
            var page = await Api.GetAsync(path);
            pages++;
            seen.AddRange(page.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
            var next = page.Json.GetProperty("next");
            if (next.ValueKind == JsonValueKind.Null) break;
            path = $"/api/retros/{ann.RetroId}/activity?limit=3&before={next.GetInt64()}";
        }

        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen, Has.Count.EqualTo(7));
        Assert.That(seen, Is.Ordered.Descending);
        Assert.That(seen, Is.Unique);
    }

    [Test]
    public async Task Activity_ExactlyOnePageFull_HasNoNextCursor()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());

        var page = await Api.GetAsync($"/api/retros/{ann.RetroId}/activity?limit=2");

        Assert.That(page.Json.GetProperty("items").GetArrayLength(), Is.EqualTo(2));
        Assert.That(page.Json.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=201", "limit")]
    [TestCase("before=0", "before")]
    [TestCase("limit=-1&before=-5", "limit", "before")]
    public async Task Activity_BadPaging_Returns400WithFieldErrors(string query, params string[] fields)
    {
        var retroId = await Api.CreateRetroAsync();

        ProblemAssert.Validation(await Api.GetAsync($"/api/retros/{retroId}/activity?{query}"), fields);
    }

    [Test]
    public async Task Activity_LimitBounds_AreAccepted()
    {
        var retroId = await Api.CreateRetroAsync();

        Assert.That((await Api.GetAsync($"/api/retros/{retroId}/activity?limit=1")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Api.GetAsync($"/api/retros/{retroId}/activity?limit=200")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Activity_UnknownRetro_Returns404()
    {
        ProblemAssert.Problem(await Api.GetAsync("/api/retros/nope/activity"), HttpStatusCode.NotFound, "retro_not_found");
    }

    [Test]
    public async Task Cleanup_DeletesOnlyEntriesOlderThanRetention()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());
        var now = DateTimeOffset.UtcNow;
        await using (var db = new SqliteConnection($"Data Source={App.DatabasePath}"))
        {
            await db.OpenAsync();
            using var insert = db.CreateCommand();
            insert.CommandText = """
                INSERT INTO activity (retro_id, at, actor_id, type, text, topic_id) VALUES
                    ($retro, $old, NULL, 'test.old', 'old', NULL),
                    ($retro, $recent, NULL, 'test.recent', 'recent', NULL);
                """;
            insert.Parameters.AddWithValue("$retro", ann.RetroId);
            insert.Parameters.AddWithValue("$old", now.AddDays(-31).ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$recent", now.AddDays(-29).ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync();
        }

        var deleted = await App.Services.GetRequiredService<ActivityCleanupService>().DeleteExpiredAsync();

        Assert.That(deleted, Is.EqualTo(1));
        var types = (await Api.GetAsync($"/api/retros/{ann.RetroId}/activity")).Json.GetProperty("items").EnumerateArray().Select(i => i.Str("type"));
        Assert.That(types, Does.Contain("test.recent").And.Not.Contain("test.old").And.Contain("participant.joined"));
    }

    [Test]
    public async Task Cleanup_RunsAtStart()
    {
        string databasePath;
        string retroId;
        await using (var first = new RetroAppFactory())
        {
            using var api = first.CreateApiClient();
            retroId = await api.CreateRetroAsync();
            databasePath = first.DatabasePath;
            await ExecuteAsync(databasePath, "UPDATE activity SET at = $at WHERE retro_id = $retro;",
                ("$at", DateTimeOffset.UtcNow.AddDays(-40).ToUnixTimeMilliseconds()), ("$retro", retroId));

            // A second instance on the same file starts its cleanup at once.
            await using var second = new RetroAppFactory(new Dictionary<string, string?> { ["Retro:Database"] = databasePath });
            using var api2 = second.CreateApiClient();
            await RetroIm.Testing.Wait.UntilAsync(async () =>
                (await api2.GetAsync($"/api/retros/{retroId}/activity")).Json.GetProperty("items").GetArrayLength() == 0,
                TimeSpan.FromSeconds(10), "the start-up cleanup");
        }
    }

    private static async Task ExecuteAsync(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath}");
        await db.OpenAsync();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
