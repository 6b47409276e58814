using System.Text.Json.Serialization;

namespace RetroIm.Bench;

[JsonSerializable(typeof(RecoverPositionDto[]))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
