using System.Buffers;
using System.Text.Json;

namespace RetroIm.Im;

/// <summary>Where client events wait for the business: one stream, read through consumer groups.</summary>
internal static class ClientEventStream
{
    /// <summary>The Redis stream key (after the connection string's prefix).</summary>
    public const string Key = "im:clientevents";

    /// <summary>The stream is trimmed to about this many entries (Redis <c>MAXLEN ~</c>; the in-memory queue exactly).</summary>
    public const int MaxLength = 10_000;

    /// <summary>The longest event name accepted from a client.</summary>
    public const int MaxEventNameLength = 128;

    /// <summary>The UTF-8 JSON of an event's data; an undefined element is <c>null</c>.</summary>
    public static byte[] ToUtf8(JsonElement data)
    {
        if (data.ValueKind == JsonValueKind.Undefined) return "null"u8.ToArray();
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer)) data.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }
}
