using System.Text.Json;

namespace RetroIm.Relay.Connections;

/// <summary>Reads <c>{"type":"ack","stream":"c:42","offset":17}</c>.</summary>
internal static class AckFrame
{
    public static bool TryRead(ReadOnlySpan<byte> frame, out string? stream, out long offset)
    {
        stream = null;
        offset = -1;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) stream = reader.GetString();
                }
                else if (reader.ValueTextEquals("offset"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)) offset = value;
                }
                else
                {
                    reader.Read();
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return stream is not null && offset > 0;
    }
}
