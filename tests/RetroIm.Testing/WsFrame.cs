using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace RetroIm.Testing;

/// <summary>One complete WebSocket message a <see cref="TestWebSocketClient"/> received.</summary>
public sealed class WsFrame
{
    private JsonElement? _json;

    public WsFrame(WebSocketMessageType messageType, byte[] data)
    {
        MessageType = messageType;
        Data = data;
    }

    public WebSocketMessageType MessageType { get; }

    public byte[] Data { get; }

    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>The frame parsed as JSON (throws when it is not JSON).</summary>
    public JsonElement Json
    {
        get
        {
            if (_json is null)
            {
                using var document = JsonDocument.Parse(Data);
                _json = document.RootElement.Clone();
            }
            return _json.Value;
        }
    }

    /// <summary>The frame's <c>type</c>, or null when it is not a JSON object with a string type.</summary>
    public string? Type
    {
        get
        {
            try
            {
                return Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>A string property of the JSON object, or null.</summary>
    public string? Str(string property)
        => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The <c>data</c> of a message frame.</summary>
    public JsonElement MessageData => Json.GetProperty("data");

    public override string ToString() => MessageType == WebSocketMessageType.Text
        ? (Data.Length > 300 ? Text[..300] + $"… ({Data.Length} bytes)" : Text)
        : $"<{MessageType} {Data.Length} bytes>";
}
