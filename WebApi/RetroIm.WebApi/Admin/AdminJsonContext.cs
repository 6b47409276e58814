using System.Text.Json;
using System.Text.Json.Serialization;

namespace RetroIm.WebApi.Admin;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminNodesResponse))]
[JsonSerializable(typeof(AdminChansResponse))]
[JsonSerializable(typeof(AdminClient))]
[JsonSerializable(typeof(AdminClientsResponse))]
[JsonSerializable(typeof(AdminKickResponse))]
[JsonSerializable(typeof(AdminHistoryResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
