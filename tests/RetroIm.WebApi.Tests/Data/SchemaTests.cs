using Microsoft.Data.Sqlite;

namespace RetroIm.WebApi.Tests.Data;

[TestFixture]
public sealed class SchemaTests
{
    [Test]
    public async Task Database_SecondCurrentTopicInARetro_IsRejectedByTheSchema()
    {
        await using var app = new RetroAppFactory();
        using var api = app.CreateApiClient();
        var ann = await api.JoinAsync(await api.CreateRetroAsync());
        var first = await api.AddTopicAsync(ann, "First");
        var second = await api.AddTopicAsync(ann, "Second");
        await api.TopicActionAsync(ann, first, "start");

        await using var db = new SqliteConnection($"Data Source={app.DatabasePath}");
        await db.OpenAsync();
        using var update = db.CreateCommand();
        update.CommandText = "UPDATE topics SET status = 'current' WHERE id = $id;";
        update.Parameters.AddWithValue("$id", second);

        var error = Assert.ThrowsAsync<SqliteException>(() => update.ExecuteNonQueryAsync());
        Assert.That(error!.Message, Does.Contain("UNIQUE"));
    }

    [Test]
    public async Task Database_StartedTwice_MigratesOnceAndKeepsData()
    {
        string path;
        string retroId;
        await using (var first = new RetroAppFactory())
        {
            using var api = first.CreateApiClient();
            retroId = await api.CreateRetroAsync("Survives restarts");
            path = first.DatabasePath;

            await using var second = new RetroAppFactory(new Dictionary<string, string?> { ["Retro:Database"] = path });
            using var api2 = second.CreateApiClient();
            Assert.That((await api2.GetBoardAsync(retroId)).Str("title"), Is.EqualTo("Survives restarts"));
        }
    }

    [Test]
    public async Task Database_IsInWalMode()
    {
        await using var app = new RetroAppFactory();
        using var api = app.CreateApiClient();

        await using var db = new SqliteConnection($"Data Source={app.DatabasePath}");
        await db.OpenAsync();
        using var pragma = db.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode;";

        Assert.That(await pragma.ExecuteScalarAsync(), Is.EqualTo("wal"));
    }
}
