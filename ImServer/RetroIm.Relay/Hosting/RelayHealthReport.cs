using System.Text.Json.Serialization;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// The /health body: <c>{"status":"healthy","node":"…","url":"ws://…","backplane":"redis","reachable":true,
/// "registered":true,"connections":12}</c>.
/// </summary>
internal sealed record RelayHealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("backplane")] string Backplane,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("registered")] bool Registered,
    [property: JsonPropertyName("stopping")] bool Stopping,
    [property: JsonPropertyName("connections")] int Connections);
