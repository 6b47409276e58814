using System.Text.Json;

namespace RetroIm.Im.Protocol;

/// <summary>Reads the <c>type</c> of a frame a client sent: <c>{"type":"ping"}</c> and, later, more.</summary>
public static class ClientFrameReader
{
    /// <summary>
    /// Returns the frame's <c>type</c>, or null with <paramref name="error"/> set when the frame is not a JSON object
    /// with a string <c>type</c>.
    /// </summary>
    public static string? ReadType(ReadOnlySpan<byte> frame, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "a frame must be a JSON object";
                return null;
            }
            string? type = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String) type = reader.GetString();
                reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the frame is not one complete JSON object";
                return null;
            }
            error = type is null ? "the frame has no string \"type\"" : null;
            return type;
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return null;
        }
    }
}
