using System.Text.Json.Serialization;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// The /health body: <c>{"status":"healthy"|"degraded"|"draining"|"stopping","reason":null|"…","node":"…",
/// "url":"ws://…","backplane":"redis","reachable":true,"registered":true,"draining":false,"stopping":false,
/// "connections":12}</c>.
/// </summary>
internal sealed record RelayHealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("backplane")] string Backplane,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("registered")] bool Registered,
    [property: JsonPropertyName("draining")] bool Draining,
    [property: JsonPropertyName("stopping")] bool Stopping,
    [property: JsonPropertyName("connections")] int Connections);
