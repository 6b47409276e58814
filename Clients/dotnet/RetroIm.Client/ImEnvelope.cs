using System.Text;
using System.Text.Json;

namespace RetroIm.Client;

/// <summary>
/// One frame from the relay. A business message looks like
/// <c>{"type":"message","id":"…","from":"7"|null,"chan":"retro:1"|null,"ts":1700000000000,"data":{…}}</c>;
/// other types are <c>welcome</c>, <c>pong</c> and <c>error</c>.
/// </summary>
public sealed class ImEnvelope
{
    private readonly JsonSerializerOptions _options;

    private ImEnvelope(JsonElement frame, string raw, JsonSerializerOptions options)
    {
        _options = options;
        Frame = frame;
        Raw = raw;
        Type = frame.GetProperty("type").GetString()!;
        Id = StringOrNull(frame, "id");
        From = StringOrNull(frame, "from");
        Chan = StringOrNull(frame, "chan");
        Ts = frame.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var ms) ? ms : null;
        Data = frame.TryGetProperty("data", out var data) ? data : default;
        Position = Type == "message" && frame.TryGetProperty("pos", out var pos) ? ReadPosition(pos) : null;
    }

    /// <summary>A message's position (<c>"pos"</c>); null for broadcasts and other frames.</summary>
    public ImStreamPosition? Position { get; }

    /// <summary>The frame's <c>type</c>: <c>message</c>, <c>welcome</c>, <c>pong</c>, <c>error</c>, …</summary>
    public string Type { get; }

    /// <summary>The message id (unique per message; the same for every receiver of it).</summary>
    public string? Id { get; }

    /// <summary>The sender's client id, or null for system messages and broadcasts.</summary>
    public string? From { get; }

    /// <summary>The channel a channel message was sent to, else null.</summary>
    public string? Chan { get; }

    /// <summary>When the message was sent, in Unix milliseconds.</summary>
    public long? Ts { get; }

    /// <summary>The business payload; <see cref="JsonValueKind.Undefined"/> when the frame has none.</summary>
    public JsonElement Data { get; }

    /// <summary>The whole frame.</summary>
    public JsonElement Frame { get; }

    /// <summary>The frame's JSON text as received.</summary>
    public string Raw { get; }

    /// <summary>Deserialises <see cref="Data"/> (with <see cref="ImConnectionOptions.JsonSerializerOptions"/> unless given).</summary>
    public T? DataAs<T>(JsonSerializerOptions? options = null)
        => Data.ValueKind == JsonValueKind.Undefined ? default : Data.Deserialize<T>(options ?? _options);

    /// <inheritdoc />
    public override string ToString() => Raw;

    /// <summary>Parses a frame; null when it is not a JSON object with a string <c>type</c>.</summary>
    internal static ImEnvelope? TryParse(ReadOnlySpan<byte> utf8, JsonSerializerOptions options)
    {
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            root = JsonElement.ParseValue(ref reader);
            if (reader.Read()) return null; // trailing data after the object
        }
        catch (JsonException)
        {
            return null;
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) return null;
        return new ImEnvelope(root, Encoding.UTF8.GetString(utf8), options);
    }

    /// <summary>Reads <c>{"stream","epoch","offset"}</c> from an object; null when a part is missing.</summary>
    internal static ImStreamPosition? ReadPosition(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return null;
        var stream = StringOrNull(value, "stream");
        var epoch = StringOrNull(value, "epoch");
        if (stream is null || epoch is null) return null;
        if (!value.TryGetProperty("offset", out var offset) || offset.ValueKind != JsonValueKind.Number || !offset.TryGetInt64(out var n)) return null;
        return new ImStreamPosition(stream, epoch, n);
    }

    private static string? StringOrNull(JsonElement frame, string name)
        => frame.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
