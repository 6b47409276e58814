using System.Text.Json.Serialization;

namespace RetroIm.Bench;

/// <summary>One entry of RetroIm's <c>recover</c> connect parameter (README "Delivery guarantees").</summary>
internal sealed record RecoverPositionDto(
    [property: JsonPropertyName("stream")] string Stream,
    [property: JsonPropertyName("epoch")] string Epoch,
    [property: JsonPropertyName("offset")] long Offset);
