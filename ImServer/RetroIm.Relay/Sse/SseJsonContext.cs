using System.Text.Json.Serialization;

namespace RetroIm.Relay.Sse;

[JsonSerializable(typeof(string))]
internal sealed partial class SseJsonContext : JsonSerializerContext;
