using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RetroIm.Im.Protocol;

/// <summary>
/// Reads a relay header in the form <see cref="RelayPacket.Write"/> and the publish scripts produce — one object with
/// the exact lower-case names, each at most once, <c>k</c> one of the kind names, strings or null, arrays of strings or
/// of integers — straight off a <see cref="Utf8JsonReader"/>: the header of every packet a node receives, which the
/// serializer's constructor-parameter path read at about a microsecond each. Anything else (other spellings, numbers
/// as strings, unknown properties, comments, malformed JSON) gets null, and the caller hands it to the serializer, so
/// what is accepted and how it reads stays exactly the serializer's.
/// </summary>
internal static class RelayHeaderReader
{
    private enum Field
    {
        Kind = 1,
        To = 2,
        Chan = 4,
        Id = 8,
        ReceiptTopic = 16,
        Epochs = 32,
        Offsets = 64,
    }

    /// <summary>The header, or null when it is not in the canonical form (the serializer decides then).</summary>
    public static RelayHeader? TryReadCanonical(ReadOnlySpan<byte> json)
    {
        try
        {
            return Read(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed here (or a string that is not UTF-8): the serializer gives its own verdict and exception.
            return null;
        }
    }

    private static RelayHeader? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        var kind = RelayPacketKind.Message;
        List<string>? to = null, epochs = null;
        List<long>? offsets = null;
        string? chan = null, id = null, receiptTopic = null;
        Field seen = 0;
        while (true)
        {
            if (!reader.Read()) return null;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            var field = Name(ref reader);
            if (field == 0 || (seen & field) != 0) return null;
            seen |= field;
            if (!reader.Read()) return null;
            var ok = field switch
            {
                Field.Kind => TryKind(ref reader, out kind),
                Field.To => TryStrings(ref reader, out to),
                Field.Chan => TryString(ref reader, out chan),
                Field.Id => TryString(ref reader, out id),
                Field.ReceiptTopic => TryString(ref reader, out receiptTopic),
                Field.Epochs => TryStrings(ref reader, out epochs),
                _ => TryLongs(ref reader, out offsets),
            };
            if (!ok) return null;
        }
        // Only whitespace may follow, as for the serializer.
        if (reader.Read()) return null;
        return new RelayHeader(kind, to, chan, id, receiptTopic, epochs, offsets);
    }

    private static Field Name(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.PropertyName) return 0;
        if (reader.ValueTextEquals("k"u8)) return Field.Kind;
        if (reader.ValueTextEquals("to"u8)) return Field.To;
        if (reader.ValueTextEquals("pe"u8)) return Field.Epochs;
        if (reader.ValueTextEquals("po"u8)) return Field.Offsets;
        if (reader.ValueTextEquals("id"u8)) return Field.Id;
        if (reader.ValueTextEquals("chan"u8)) return Field.Chan;
        if (reader.ValueTextEquals("rt"u8)) return Field.ReceiptTopic;
        return 0;
    }

    /// <summary>Each kind's wire name, as its <see cref="JsonStringEnumMemberNameAttribute"/> gives it to the serializer.</summary>
    private static readonly (byte[] Name, RelayPacketKind Kind)[] KindNames = Enum.GetValues<RelayPacketKind>()
        .Select(kind => (Encoding.UTF8.GetBytes(typeof(RelayPacketKind).GetField(kind.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name), kind))
        .ToArray();

    private static bool TryKind(ref Utf8JsonReader reader, out RelayPacketKind kind)
    {
        kind = RelayPacketKind.Message;
        if (reader.TokenType != JsonTokenType.String) return false;
        foreach (var (name, value) in KindNames)
        {
            if (!reader.ValueTextEquals(name)) continue;
            kind = value;
            return true;
        }
        return false;
    }

    private static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        return reader.TokenType == JsonTokenType.Null || StringElement(ref reader, out value);
    }

    private static bool TryStrings(ref Utf8JsonReader reader, out List<string>? values) => TryArray(ref reader, out values, StringElement);

    private static bool TryLongs(ref Utf8JsonReader reader, out List<long>? values) => TryArray(ref reader, out values, LongElement);

    private delegate bool ElementReader<T>(ref Utf8JsonReader reader, out T value);

    private static bool StringElement(ref Utf8JsonReader reader, out string value)
    {
        value = "";
        if (reader.TokenType != JsonTokenType.String) return false;
        value = reader.GetString()!;
        return true;
    }

    private static bool LongElement(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
    }

    /// <summary>Null, or an array whose every element <paramref name="element"/> reads; false for anything else.</summary>
    private static bool TryArray<T>(ref Utf8JsonReader reader, out List<T>? values, ElementReader<T> element)
    {
        values = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) return false;
        values = [];
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray) return true;
            if (!element(ref reader, out var value)) return false;
            values.Add(value);
        }
        return false;
    }
}
