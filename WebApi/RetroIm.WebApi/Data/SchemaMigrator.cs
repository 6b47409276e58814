using Dapper;

namespace RetroIm.WebApi.Data;

/// <summary>
/// Applies the ordered SQL scripts embedded under Data/Migrations (NNNN_name.sql) that the database has not seen,
/// each in its own transaction together with its row in schema_migrations.
/// </summary>
internal sealed class SchemaMigrator(RetroDb db, ILogger<SchemaMigrator> logger)
{
    private const string ResourcePrefix = "RetroIm.WebApi.Data.Migrations.";

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // WAL lets readers run while a writer commits; the setting is stored in the database file.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                id         TEXT    NOT NULL PRIMARY KEY,
                applied_at INTEGER NOT NULL
            );
            """);
        var scripts = ReadScripts().ToList();
        if (scripts.Count == 0) throw new InvalidOperationException("No migration scripts are embedded in the assembly (Data/Migrations/*.sql).");
        var applied = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations;")).ToHashSet(StringComparer.Ordinal);

        foreach (var (id, sql) in scripts)
        {
            if (applied.Contains(id)) continue;
            await using var transaction = RetroDb.BeginWrite(connection);
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at);",
                new { id, at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            SchemaLog.MigrationApplied(logger, id);
        }
    }

    private static IEnumerable<(string Id, string Sql)> ReadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name[ResourcePrefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }
}
