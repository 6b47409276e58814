using Dapper;
using RetroIm.WebApi.Data;

namespace RetroIm.WebApi.Activity;

/// <summary>Pages through a retro's activity newest first, keyed by activity id (stable under concurrent inserts).</summary>
internal sealed class ActivityReader(RetroDb db)
{
    /// <returns>Null when the retro does not exist.</returns>
    public async Task<ActivityPage?> ReadPageAsync(string retroId, long? before, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: true);
        if (await RetroQueries.FindRetroAsync(connection, transaction, retroId) is null) return null;

        // One row more than asked tells whether an older page exists.
        var rows = (await connection.QueryAsync<ActivityRow>("""
            SELECT a.id, a.retro_id, a.at, a.actor_id, p.name AS actor_name, a.type, a.text, a.topic_id
            FROM activity a LEFT JOIN participants p ON p.id = a.actor_id
            WHERE a.retro_id = @retroId AND (@before IS NULL OR a.id < @before)
            ORDER BY a.id DESC
            LIMIT @take;
            """, new { retroId, before, take = limit + 1 }, transaction)).AsList();

        var hasMore = rows.Count > limit;
        var items = new List<ActivityView>(Math.Min(rows.Count, limit));
        for (var i = 0; i < rows.Count && i < limit; i++) items.Add(ActivityView.From(rows[i]));
        return new ActivityPage(items, hasMore ? items[^1].Id : null);
    }
}
