using System.Buffers;
using System.Text.Json;

namespace RetroIm.Im;

/// <summary>
/// Turns the business payload of a send into the UTF-8 JSON that becomes the frame's <c>data</c>, once per send:
/// <list type="bullet">
/// <item><c>null</c> → <c>null</c>.</item>
/// <item><see cref="JsonElement"/> / <see cref="JsonDocument"/> → that JSON.</item>
/// <item><c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/>, <see cref="Memory{T}"/>, <see cref="ArraySegment{T}"/> of
/// bytes → already UTF-8 JSON, validated and sent verbatim.</item>
/// <item><see cref="string"/> → a JSON string (<c>"hi"</c> arrives as <c>"hi"</c>, never parsed as JSON).</item>
/// <item>anything else → <see cref="JsonSerializer"/> with <see cref="ImHelperOptions.JsonSerializerOptions"/>.</item>
/// </list>
/// </summary>
internal static class ImMessageSerializer
{
    public static ReadOnlyMemory<byte> ToUtf8Json(object? message, JsonSerializerOptions options)
    {
        switch (message)
        {
            case null:
                return "null"u8.ToArray();
            case JsonElement element:
                if (element.ValueKind == JsonValueKind.Undefined) throw new ArgumentException("The JsonElement has no value (default(JsonElement)).", nameof(message));
                return Write(element);
            case JsonDocument document:
                return Write(document.RootElement);
            case byte[] bytes:
                return Validated(bytes);
            case ReadOnlyMemory<byte> memory:
                return Validated(memory);
            case Memory<byte> memory:
                return Validated(memory);
            case ArraySegment<byte> segment:
                return Validated(segment);
            case string text:
                return Write(text);
            default:
                return JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), options);
        }
    }

    private static byte[] Write(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) element.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Write(string text)
    {
        var buffer = new ArrayBufferWriter<byte>(text.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer)) writer.WriteStringValue(text);
        return buffer.WrittenSpan.ToArray();
    }

    private static ReadOnlyMemory<byte> Validated(ReadOnlyMemory<byte> json)
    {
        // One complete JSON value and nothing after it: the node forwards these bytes inside every receiver's frame.
        try
        {
            var reader = new Utf8JsonReader(json.Span);
            if (!reader.Read()) throw new ArgumentException("The message bytes are empty; pass UTF-8 JSON (e.g. \"null\"u8).", "message");
            reader.Skip();
            if (reader.Read()) throw new ArgumentException("The message bytes hold more than one JSON value.", "message");
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The message bytes are not valid UTF-8 JSON: " + e.Message, "message", e);
        }
        return json;
    }
}
