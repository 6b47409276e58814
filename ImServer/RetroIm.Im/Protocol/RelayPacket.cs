using System.Text.Json;
using System.Text.Json.Serialization;

namespace RetroIm.Im.Protocol;

/// <summary>What a relay packet asks the receiving node to do.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RelayPacketKind>))]
public enum RelayPacketKind
{
    /// <summary>Write the body (a ready client frame) to the addressed clients, the channel's members, or everyone.</summary>
    [JsonStringEnumMemberName("message")] Message,

    /// <summary>The clients in <c>to</c> joined <c>chan</c>: start forwarding the channel to their local connections.</summary>
    [JsonStringEnumMemberName("join")] Join,

    /// <summary>The clients in <c>to</c> left <c>chan</c>.</summary>
    [JsonStringEnumMemberName("leave")] Leave,

    /// <summary>Close every local connection of the clients in <c>to</c> (ForceOffline).</summary>
    [JsonStringEnumMemberName("kick")] Kick,

    /// <summary>Add the rights in the body (a JSON array of strings) to every local connection of the clients in <c>to</c>.</summary>
    [JsonStringEnumMemberName("grant")] Grant,

    /// <summary>Remove the rights in the body (a JSON array of strings) from every local connection of the clients in <c>to</c>.</summary>
    [JsonStringEnumMemberName("revoke")] Revoke,

    /// <summary>
    /// Sent to one node's inbox (<c>imctl drain</c>): stop taking new connections and ask every local client to
    /// reconnect elsewhere with a jittered delay (see ImServer:DrainWindow).
    /// </summary>
    [JsonStringEnumMemberName("drain")] Drain,
}

/// <summary>The header of a relay packet.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="To">Addressed clients (direct messages and control); null for channel and broadcast messages.</param>
/// <param name="Chan">The channel, for channel messages, join and leave.</param>
/// <param name="Id">Message id, echoed in receipts.</param>
/// <param name="ReceiptTopic">When set, the node publishes a <see cref="ReceiptReport"/> there after writing.</param>
/// <param name="Epochs">Positioned messages: the stream epochs, aligned with <c>to</c> (one for a channel).</param>
/// <param name="Offsets">Positioned messages: the stream offsets, aligned with <see cref="Epochs"/>.</param>
public sealed record RelayHeader(
    [property: JsonPropertyName("k")] RelayPacketKind Kind,
    [property: JsonPropertyName("to"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? To = null,
    [property: JsonPropertyName("chan"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Chan = null,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonPropertyName("rt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReceiptTopic = null,
    [property: JsonPropertyName("pe"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Epochs = null,
    [property: JsonPropertyName("po"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? Offsets = null);

/// <summary>A node's report of which addressed clients it wrote a message to.</summary>
/// <param name="Id">The message id.</param>
/// <param name="Node">The reporting node.</param>
/// <param name="Written">Addressed clients with at least one local connection the frame was written to.</param>
/// <param name="Acked">
/// Set only on an acknowledgement report: the client that acknowledged the message (<c>{"type":"ack",…}</c>). Such a
/// report says nothing about writes and does not count as the node's report.
/// </param>
public sealed record ReceiptReport(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("written")] IReadOnlyList<string> Written,
    [property: JsonPropertyName("acked"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Acked = null);

/// <summary>
/// A packet on a node, channel or broadcast topic: one line of JSON header, a <c>\n</c>, then the body (for
/// <see cref="RelayPacketKind.Message"/>, the exact client frame, so a node forwards it without re-serialising).
/// <code>{"k":"message","to":["42","43"],"id":"…","rt":"im:receipts:…"}\n{"type":"message",…}</code>
/// </summary>
public static class RelayPacket
{
    public static byte[] Write(RelayHeader header, ReadOnlySpan<byte> body = default)
    {
        var head = JsonSerializer.SerializeToUtf8Bytes(header, ImJsonContext.Default.RelayHeader);
        var packet = new byte[head.Length + 1 + body.Length];
        head.CopyTo(packet, 0);
        packet[head.Length] = (byte)'\n';
        body.CopyTo(packet.AsSpan(head.Length + 1));
        return packet;
    }

    /// <summary>Splits a packet; false when it is not one (the caller logs and drops it).</summary>
    public static bool TryRead(ReadOnlyMemory<byte> packet, out RelayHeader? header, out ReadOnlyMemory<byte> body)
    {
        header = null;
        body = default;
        var newline = packet.Span.IndexOf((byte)'\n');
        if (newline < 0) return false;
        var head = packet.Span[..newline];
        try
        {
            header = RelayHeaderReader.TryReadCanonical(head) ?? JsonSerializer.Deserialize(head, ImJsonContext.Default.RelayHeader);
        }
        catch (JsonException)
        {
            return false;
        }
        body = packet[(newline + 1)..];
        return header is not null;
    }
}
