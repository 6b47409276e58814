using System.Text.Json.Serialization;

namespace RetroIm.Relay.Hosting;

/// <summary>The 421 body: <c>{"error":"wrong_node","node":"10.0.0.6:6001","url":"ws://10.0.0.6:6001"}</c>.</summary>
internal sealed record WrongNodeResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("url")] string? Url);
