using Microsoft.Extensions.Options;
using RetroIm.Testing;

namespace RetroIm.WebApi.Tests.Hosting;

[TestFixture]
public sealed class HostingTests : RetroAppTestBase
{
    [Test]
    public async Task Health_EmbeddedMode_ReportsSqliteMemoryBackplaneAndOneNode()
    {
        ApiResponse health = null!;
        await Wait.UntilAsync(async () =>
        {
            health = await Api.GetAsync("/health");
            return health.Num("nodes") == 1;
        }, TimeSpan.FromSeconds(10), "the embedded relay node to register");

        Assert.That(health.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(health.Str("status"), Is.EqualTo("healthy"));
        Assert.That(health.Json.GetProperty("sqlite").GetBoolean(), Is.True);
        Assert.That(health.Json.GetProperty("backplane").Str("kind"), Is.EqualTo("memory"));
        Assert.That(health.Json.GetProperty("backplane").GetProperty("reachable").GetBoolean(), Is.True);
    }

    [Test]
    public async Task OpenApi_Document_ListsEveryEndpoint()
    {
        var doc = await Api.GetAsync("/openapi/v1.json");

        Assert.That(doc.Status, Is.EqualTo(HttpStatusCode.OK));
        var paths = doc.Json.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/retros", "/api/retros/{retroId}", "/api/retros/{retroId}/participants", "/api/retros/{retroId}/connect",
            "/api/retros/{retroId}/topics", "/api/retros/{retroId}/topics/{topicId}", "/api/retros/{retroId}/topics/{topicId}/start",
            "/api/retros/{retroId}/topics/{topicId}/done", "/api/retros/{retroId}/topics/{topicId}/reopen",
            "/api/retros/{retroId}/topics/{topicId}/votes", "/api/retros/{retroId}/activity", "/health",
        }));
    }

    [Test]
    public async Task OpenApi_BearerEndpoints_DeclareTheParticipantScheme()
    {
        var doc = (await Api.GetAsync("/openapi/v1.json")).Json;

        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("participant");
        Assert.That(scheme.Str("scheme"), Is.EqualTo("bearer"));
        var paths = doc.GetProperty("paths");
        Assert.That(paths.GetProperty("/api/retros/{retroId}/topics").GetProperty("post").TryGetProperty("security", out _), Is.True);
        Assert.That(paths.GetProperty("/api/retros/{retroId}/connect").GetProperty("get").TryGetProperty("security", out _), Is.True);
        Assert.That(paths.GetProperty("/api/retros").GetProperty("post").TryGetProperty("security", out _), Is.False);
    }

    [Test]
    public async Task SwaggerUi_IsServed()
    {
        using var response = await Api.Http.GetAsync("/swagger/index.html");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }

    [Test]
    public async Task StaticFiles_PageAtRootAndSdkUnderSdk()
    {
        var root = BuiltProgram.FindRepositoryRoot() ?? throw new InconclusiveException("repository not found");
        if (!File.Exists(Path.Combine(root, "Clients", "web", "index.html")) || !File.Exists(Path.Combine(root, "Clients", "js", "retroim.js")))
        {
            Assert.Inconclusive("Clients/web/index.html or Clients/js/retroim.js is not there yet");
        }

        using var page = await Api.Http.GetAsync("/");
        using var sdk = await Api.Http.GetAsync("/sdk/retroim.js");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(sdk.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(sdk.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript").Or.EqualTo("application/javascript"));
    }

    [Test]
    public async Task UnknownApiPath_Returns404Problem()
    {
        var response = await Api.GetAsync("/api/nothing-here");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task RequestLog_HasOneLinePerRequestAndNoTokens()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync("Logged"), "Ann");
        await Api.AddTopicAsync(ann, "Logged topic");
        var connectUrl = (await Api.GetAsync($"/api/retros/{ann.RetroId}/connect", ann.Token)).Str("connectUrl");
        var connectToken = connectUrl[(connectUrl.IndexOf("token=", StringComparison.Ordinal) + 6)..];

        string logs = "";
        await Wait.UntilAsync(() =>
        {
            logs = ReadLogs();
            return logs.Contains($"/api/retros/{ann.RetroId}/connect", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "the request log line");

        Assert.That(logs, Does.Contain($"\"Method\":\"POST\",\"Path\":\"/api/retros/{ann.RetroId}/topics\",\"StatusCode\":201"));
        Assert.That(logs, Does.Not.Contain(ann.Token));
        Assert.That(logs, Does.Not.Contain(connectToken));
    }

    [Test]
    public void Start_InvalidOptions_FailsFast()
    {
        using var app = new RetroAppFactory(new Dictionary<string, string?> { ["Retro:VotesPerParticipant"] = "0" });

        var error = Assert.Catch(() => app.CreateApiClient());

        Assert.That(error, Is.InstanceOf<OptionsValidationException>().Or.InnerException.InstanceOf<OptionsValidationException>());
        Assert.That(error!.ToString(), Does.Contain("VotesPerParticipant"));
    }

    private string ReadLogs()
    {
        if (!Directory.Exists(App.LogDirectory)) return "";
        var text = new System.Text.StringBuilder();
        foreach (var file in Directory.GetFiles(App.LogDirectory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }
}
