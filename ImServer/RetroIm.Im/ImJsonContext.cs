using System.Text.Json;
using System.Text.Json.Serialization;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im;

/// <summary>Source-generated JSON for every type the Im layer puts on the wire or in Redis.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RelayHeader))]
[JsonSerializable(typeof(ReceiptReport))]
[JsonSerializable(typeof(PresenceEvent))]
[JsonSerializable(typeof(ConnectTicket))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(NodeChange))]
internal sealed partial class ImJsonContext : JsonSerializerContext;
