using System.Text.Json.Serialization;

namespace RetroIm.Relay.Connections;

/// <summary>A position a reconnecting client presents: the last message it got from a stream.</summary>
internal sealed record RecoverPosition(
    [property: JsonPropertyName("stream")] string Stream,
    [property: JsonPropertyName("epoch")] string Epoch,
    [property: JsonPropertyName("offset")] long Offset);
