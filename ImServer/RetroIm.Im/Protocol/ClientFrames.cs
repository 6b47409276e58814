using System.Text.Json;

namespace RetroIm.Im.Protocol;

/// <summary>
/// Writes the JSON text frames a client receives. The wire format (README "Wire protocol"):
/// <code>
/// {"type":"welcome","clientId":"42","connectionId":"…","node":"127.0.0.1:6001","streams":[{"stream","epoch","offset"}]}
/// {"type":"message","id":"…","from":"7"|null,"chan":"retro:1"|null,"ts":1700000000000,"data":&lt;business JSON&gt;}
/// {"type":"pong"}
/// {"type":"error","code":"bad_json","message":"…"}
/// </code>
/// A message frame is built once by the publisher and forwarded unchanged to every recipient.
/// </summary>
public static class ClientFrames
{
    public static readonly byte[] Pong = """{"type":"pong"}"""u8.ToArray();

    public static byte[] Welcome(string clientId, string connectionId, string nodeId)
    {
        return Write(w =>
        {
            w.WriteString("type", "welcome");
            w.WriteString("clientId", clientId);
            w.WriteString("connectionId", connectionId);
            w.WriteString("node", nodeId);
        });
    }

    /// <summary>
    /// The welcome with the current position of each of the client's streams:
    /// <c>"streams":[{"stream":"c:42","epoch":"…","offset":17},…]</c>. A client adopts the positions of streams it does
    /// not track yet, so it can recover them after a disconnect even before it received anything on them.
    /// </summary>
    public static byte[] Welcome(string clientId, string connectionId, string nodeId, IReadOnlyList<string> streams, IReadOnlyList<Backplane.StreamPosition> positions)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(positions);
        return Write(w =>
        {
            w.WriteString("type", "welcome");
            w.WriteString("clientId", clientId);
            w.WriteString("connectionId", connectionId);
            w.WriteString("node", nodeId);
            w.WriteStartArray("streams");
            for (var i = 0; i < streams.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("stream", streams[i]);
                w.WriteString("epoch", positions[i].Epoch);
                w.WriteNumber("offset", positions[i].Offset);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <param name="data">The business payload, already UTF-8 JSON; it is written verbatim after validation.</param>
    /// <param name="validated">
    /// True when the caller already checked that <paramref name="data"/> is one complete JSON value
    /// (<c>ImMessageSerializer.ToUtf8Json</c> does), so it is not read a second time.
    /// </param>
    public static byte[] Message(string id, string? from, string? chan, long ts, ReadOnlySpan<byte> data, bool validated = false)
    {
        // A lambda cannot capture a span: the fields go in as a ref struct.
        return PooledJsonWriter.Write(new MessageFields(id, from, chan, ts, data, validated), static (w, m) =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message");
            w.WriteString("id", m.Id);
            if (m.From is null) w.WriteNull("from"); else w.WriteString("from", m.From);
            if (m.Chan is null) w.WriteNull("chan"); else w.WriteString("chan", m.Chan);
            w.WriteNumber("ts", m.Ts);
            w.WritePropertyName("data");
            w.WriteRawValue(m.Data, skipInputValidation: m.Validated);
            w.WriteEndObject();
        });
    }

    public static byte[] Error(string code, string message)
    {
        return Write(w =>
        {
            w.WriteString("type", "error");
            w.WriteString("code", code);
            w.WriteString("message", message);
        });
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        return PooledJsonWriter.Write(body, static (w, body) =>
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        });
    }

    private readonly ref struct MessageFields(string id, string? from, string? chan, long ts, ReadOnlySpan<byte> data, bool validated)
    {
        public bool Validated { get; } = validated;

        public string Id { get; } = id;

        public string? From { get; } = from;

        public string? Chan { get; } = chan;

        public long Ts { get; } = ts;

        public ReadOnlySpan<byte> Data { get; } = data;
    }
}
