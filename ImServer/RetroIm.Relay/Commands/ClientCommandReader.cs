using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Rights;

namespace RetroIm.Relay.Commands;

/// <summary>
/// Reads <c>event</c>, <c>join</c>, <c>leave</c> and <c>publish</c> frames. The frame was already checked to be one JSON
/// object with a string <c>type</c>; this checks the fields each kind needs.
/// </summary>
internal static class ClientCommandReader
{
    /// <summary>Channel names: as ImClient accepts them.</summary>
    private const int MaxChanLength = ImClient.MaxClientIdLength;

    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    public static bool TryGetKind(string type, out ClientCommandKind kind)
    {
        switch (type)
        {
            case "event": kind = ClientCommandKind.Event; return true;
            case "join": kind = ClientCommandKind.Join; return true;
            case "leave": kind = ClientCommandKind.Leave; return true;
            case "publish": kind = ClientCommandKind.Publish; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The right verb a command needs.</summary>
    public static string VerbOf(ClientCommandKind kind) => kind switch
    {
        ClientCommandKind.Event => ImRights.EventVerb,
        ClientCommandKind.Publish => ImRights.SendToChanVerb,
        _ => ImRights.JoinLeaveChanVerb,
    };

    /// <summary>Null with <paramref name="error"/> when a field is missing or wrong; <paramref name="ackId"/> is read first, so errors can echo it.</summary>
    public static ClientCommand? Read(ClientCommandKind kind, ReadOnlySpan<byte> frame, out long? ackId, out string? error)
    {
        ackId = null;
        var reader = new Utf8JsonReader(frame);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.TryGetProperty("ackId"u8, out var ack))
        {
            if (ack.ValueKind != JsonValueKind.Number || !ack.TryGetInt64(out var id))
            {
                error = "\"ackId\" must be an integer";
                return null;
            }
            ackId = id;
        }
        var field = kind == ClientCommandKind.Event ? "event" : "chan";
        var maxLength = kind == ClientCommandKind.Event ? ClientEventStream.MaxEventNameLength : MaxChanLength;
        if (!root.TryGetProperty(field, out var targetElement) || targetElement.ValueKind != JsonValueKind.String
            || targetElement.GetString() is not { Length: > 0 } target || target.Length > maxLength)
        {
            error = $"\"{field}\" must be a string of 1 to {maxLength} characters";
            return null;
        }
        var data = Null;
        if (kind is ClientCommandKind.Event or ClientCommandKind.Publish && root.TryGetProperty("data"u8, out var value))
        {
            data = value.Clone();
        }
        error = null;
        return new ClientCommand(kind, target, data, ackId);
    }
}
