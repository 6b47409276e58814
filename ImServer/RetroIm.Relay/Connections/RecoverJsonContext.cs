using System.Text.Json.Serialization;

namespace RetroIm.Relay.Connections;

/// <summary>Source-generated JSON for the <c>recover</c> connect parameter.</summary>
[JsonSerializable(typeof(RecoverPosition[]))]
internal sealed partial class RecoverJsonContext : JsonSerializerContext;
