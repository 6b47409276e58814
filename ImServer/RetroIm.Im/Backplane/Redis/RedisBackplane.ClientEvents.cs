using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// Client events live in the stream <c>P im:clientevents</c> (XADD … MAXLEN ~ 10000); each entry's fields are
/// <c>event</c>, <c>data</c> (UTF-8 JSON), <c>client</c>, <c>conn</c>, <c>node</c>, <c>meta</c> (absent when null) and
/// <c>ts</c>. Consumer groups give at-least-once delivery: XREADGROUP, XACK, XAUTOCLAIM.
/// </summary>
public sealed partial class RedisBackplane
{
    // XREADGROUP … BLOCK holds its connection, and the shared client is pipelined: every blocking reader gets its own.
    private readonly ConcurrentDictionary<string, RedisClient> _eventReaders = new(StringComparer.Ordinal);

    private string ClientEventsKey => _keys.Prefix + ClientEventStream.Key;

    public async Task<string> AppendClientEventAsync(ClientEvent clientEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);
        var data = ClientEventStream.ToUtf8(clientEvent.Data);
        List<RedisArg> args =
        [
            ClientEventsKey, "MAXLEN", "~", ClientEventStream.MaxLength, "*",
            "event", clientEvent.Event, "data", data, "client", clientEvent.ClientId, "conn", clientEvent.ConnectionId,
            "node", clientEvent.Node, "ts", clientEvent.Ts,
        ];
        if (clientEvent.Metadata is { } metadata)
        {
            args.Add("meta");
            args.Add(metadata);
        }
        var reply = await _client.ExecuteAsync("XADD", args, cancellationToken).ConfigureAwait(false);
        return reply.AsString()!;
    }

    public async Task<IReadOnlyList<ClientEvent>> ReadClientEventsAsync(string group, string consumer, int count, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var reader = _eventReaders.GetOrAdd(consumer, static (_, options) => new RedisClient(options), _client.Options);
        // BLOCK 0 would wait forever, and a block longer than the command timeout would time out: stay well inside it.
        var blockMs = (long)Math.Min(wait.TotalMilliseconds, reader.Options.CommandTimeout.TotalMilliseconds / 2);
        List<RedisArg> args = ["GROUP", group, consumer, "COUNT", count];
        if (blockMs >= 1)
        {
            args.Add("BLOCK");
            args.Add(blockMs);
        }
        args.Add("STREAMS");
        args.Add(ClientEventsKey);
        args.Add(">");
        try
        {
            var reply = await ExecuteWithGroupAsync(reader, "XREADGROUP", args, group, cancellationToken).ConfigureAwait(false);
            // Nil on timeout; else [[key, [entry, …]]].
            if (reply.IsNull || reply.Items.Count == 0) return [];
            return ParseEntries(reply.Items[0].Items[1]);
        }
        catch (OperationCanceledException)
        {
            // The blocked command is still in flight on that connection: drop the connection rather than queue behind it.
            if (_eventReaders.TryRemove(consumer, out var abandoned)) _ = abandoned.DisposeAsync().AsTask();
            throw;
        }
    }

    public async Task<long> AckClientEventsAsync(string group, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return 0;
        var args = new List<RedisArg>(ids.Count + 2) { ClientEventsKey, group };
        foreach (var id in ids) args.Add(id);
        var reply = await ExecuteWithGroupAsync(_client, "XACK", args, group, cancellationToken).ConfigureAwait(false);
        return reply.AsInt64();
    }

    public async Task<IReadOnlyList<ClientEvent>> ClaimClientEventsAsync(string group, string consumer, TimeSpan minIdle, int count, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var idleMs = Math.Max(0, (long)minIdle.TotalMilliseconds);
        List<RedisArg> args = [ClientEventsKey, group, consumer, idleMs, "0-0", "COUNT", count];
        // [next cursor, [entry, …], [ids of trimmed entries, dropped from the pending list]]
        var reply = await ExecuteWithGroupAsync(_client, "XAUTOCLAIM", args, group, cancellationToken).ConfigureAwait(false);
        return ParseEntries(reply.Items[1]);
    }

    private async Task<RespValue> ExecuteWithGroupAsync(RedisClient client, string command, List<RedisArg> args, string group, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ExecuteAsync(command, args, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.ErrorCode == "NOGROUP")
        {
            // From the start of the stream ("0"): a new group sees every retained event, none is lost before it existed.
            try
            {
                await _client.ExecuteAsync("XGROUP", ["CREATE", ClientEventsKey, group, "0", "MKSTREAM"], cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException busy) when (busy.ErrorCode == "BUSYGROUP")
            {
                // Another consumer created it meanwhile.
            }
            return await client.ExecuteAsync(command, args, cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<ClientEvent> ParseEntries(RespValue entries)
    {
        var list = new List<ClientEvent>(entries.Items.Count);
        foreach (var entry in entries.Items)
        {
            // An entry trimmed while pending can come back as [id, nil] from older servers: nothing to deliver.
            if (entry.Items.Count < 2 || entry.Items[1].IsNull) continue;
            list.Add(ParseEntry(entry.Items[0].AsString()!, entry.Items[1].Items));
        }
        return list;
    }

    private static ClientEvent ParseEntry(string id, IReadOnlyList<RespValue> fields)
    {
        string name = "", client = "", conn = "", node = "";
        string? meta = null;
        long ts = 0;
        var data = default(JsonElement);
        for (var i = 0; i + 1 < fields.Count; i += 2)
        {
            var value = fields[i + 1];
            switch (fields[i].AsString())
            {
                case "event": name = value.AsString() ?? ""; break;
                case "client": client = value.AsString() ?? ""; break;
                case "conn": conn = value.AsString() ?? ""; break;
                case "node": node = value.AsString() ?? ""; break;
                case "meta": meta = value.AsString(); break;
                case "ts": ts = long.TryParse(value.AsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : 0; break;
                case "data": data = ParseData(value.AsBytes()); break;
            }
        }
        if (data.ValueKind == JsonValueKind.Undefined) data = ParseData(null);
        return new ClientEvent(id, name, data, client, conn, node, meta, ts);
    }

    private static JsonElement ParseData(byte[]? json)
    {
        try
        {
            using var document = JsonDocument.Parse(json is { Length: > 0 } ? json : "null"u8.ToArray());
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not written by a node; hand the business a null rather than an entry it can never acknowledge.
            using var document = JsonDocument.Parse("null"u8.ToArray());
            return document.RootElement.Clone();
        }
    }

    private async Task DisposeClientEventReadersAsync()
    {
        foreach (var (_, reader) in _eventReaders) await reader.DisposeAsync().ConfigureAwait(false);
        _eventReaders.Clear();
    }
}
