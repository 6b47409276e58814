using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RetroIm.WebApi.Tests;

/// <summary>Calls the retro HTTP API the way a browser would and hands back raw JSON, so tests check the wire contract.</summary>
public sealed class RetroApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, json);
    }

    public Task<ApiResponse> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token: token);

    public Task<ApiResponse> PostAsync(string path, object? body = null, string? token = null) => SendAsync(HttpMethod.Post, path, body, token);

    public async Task<string> CreateRetroAsync(string title = "Sprint 42")
    {
        var response = await PostAsync("/api/retros", new { title });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        return response.Str("id");
    }

    public async Task<Participant> JoinAsync(string retroId, string name = "Ann")
    {
        var response = await PostAsync($"/api/retros/{retroId}/participants", new { name });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        var connectUrl = response.Json.GetProperty("connectUrl");
        return new Participant(retroId, response.Str("participantId"), response.Str("token"), connectUrl.ValueKind == JsonValueKind.String ? connectUrl.GetString() : null);
    }

    public async Task<string> AddTopicAsync(Participant who, string title, string? description = null)
    {
        var response = await PostAsync($"/api/retros/{who.RetroId}/topics", new { title, description }, who.Token);
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        return response.Str("id");
    }

    /// <summary>POST …/topics/{id}/{action} (start, done, reopen, votes).</summary>
    public Task<ApiResponse> TopicActionAsync(Participant who, string topicId, string action) =>
        PostAsync($"/api/retros/{who.RetroId}/topics/{topicId}/{action}", token: who.Token);

    public async Task<JsonElement> GetBoardAsync(string retroId, string? token = null)
    {
        var response = await GetAsync($"/api/retros/{retroId}", token);
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        return response.Json;
    }

    public void Dispose() => http.Dispose();
}
