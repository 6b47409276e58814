using System.Net;
using System.Text.Json;

namespace RetroIm.WebApi.Tests;

/// <summary>A response as a contract test sees it: status, media type and the JSON body (Undefined when empty).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string? MediaType, JsonElement Json)
{
    public string Str(string property) => Json.GetProperty(property).GetString()!;

    public long Num(string property) => Json.GetProperty(property).GetInt64();

    /// <summary>The field names of a ValidationProblem's <c>errors</c>.</summary>
    public IReadOnlyList<string> ErrorFields() => [.. Json.GetProperty("errors").EnumerateObject().Select(p => p.Name)];

    public override string ToString() => $"{(int)Status} {MediaType} {(Json.ValueKind == JsonValueKind.Undefined ? "" : Json.GetRawText())}";
}
