using System.Text.Json;
using System.Text.Json.Serialization;
using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Health;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Retros;
using RetroIm.WebApi.Topics;

namespace RetroIm.WebApi.Hosting;

/// <summary>Source-generated JSON (camelCase, nulls written) for everything the API returns or pushes.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RetroEvent))]
[JsonSerializable(typeof(RetroBoard))]
[JsonSerializable(typeof(TopicView))]
[JsonSerializable(typeof(VoteResponse))]
[JsonSerializable(typeof(ActivityPage))]
[JsonSerializable(typeof(JoinRetroResponse))]
[JsonSerializable(typeof(ConnectResponse))]
[JsonSerializable(typeof(CreateRetroRequest))]
[JsonSerializable(typeof(JoinRetroRequest))]
[JsonSerializable(typeof(CreateTopicRequest))]
[JsonSerializable(typeof(UpdateTopicRequest))]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class RetroJsonContext : JsonSerializerContext;
