using System.Text.Json.Serialization;

namespace RetroIm.Relay.Hosting;

/// <summary>Source-generated JSON for the relay's own HTTP answers.</summary>
[JsonSerializable(typeof(WrongNodeResponse))]
[JsonSerializable(typeof(RelayHealthReport))]
internal sealed partial class RelayJsonContext : JsonSerializerContext;
