using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using RetroIm.WebApi.Hosting;

namespace RetroIm.WebApi.Data;

/// <summary>Opens SQLite connections: one per operation, pooled by the provider.</summary>
internal sealed class RetroDb
{
    public RetroDb(IConfiguration configuration, IOptions<RetroOptions> options, IHostEnvironment environment)
    {
        ConnectionString = BuildConnectionString(configuration.GetConnectionString("Retro"), options.Value.Database, environment.ContentRootPath);
    }

    public string ConnectionString { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Writers wait for each other instead of failing with SQLITE_BUSY.
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 10000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A write transaction taken with BEGIN IMMEDIATE, so concurrent writers queue up here rather than
    /// failing later when a read lock would have to be upgraded.
    /// </summary>
    public static SqliteTransaction BeginWrite(SqliteConnection connection) =>
        connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);

    private static string BuildConnectionString(string? connectionString, string path, string contentRoot)
    {
        var builder = string.IsNullOrWhiteSpace(connectionString)
            ? new SqliteConnectionStringBuilder { DataSource = path }
            : new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }
        builder.ForeignKeys = true;
        builder.Pooling = true;
        builder.DefaultTimeout = 30;
        return builder.ToString();
    }
}
