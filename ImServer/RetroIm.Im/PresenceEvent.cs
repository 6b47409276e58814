using System.Text.Json.Serialization;

namespace RetroIm.Im;

/// <summary>
/// A client came online (its first connection anywhere) or went offline (its last connection closed, or its node died).
/// Published on <see cref="ImTopics.Events"/> as JSON:
/// <c>{"type":"online","clientId":"42","node":"127.0.0.1:6001","metadata":"…"|null,"ts":1700000000000}</c>.
/// </summary>
public sealed record PresenceEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("clientId")] string ClientId,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("metadata")] string? Metadata,
    [property: JsonPropertyName("ts")] long Ts)
{
    public const string Online = "online";
    public const string Offline = "offline";

    public bool IsOnline => Type == Online;
}
