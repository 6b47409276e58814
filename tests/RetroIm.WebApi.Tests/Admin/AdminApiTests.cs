using RetroIm.Im.Protocol;
using RetroIm.Testing;
using RetroIm.WebApi.Tests.Push;

namespace RetroIm.WebApi.Tests.Admin;

/// <summary>The admin API against the embedded relay: the key guards every call, and kick closes real sockets.</summary>
[TestFixture]
public sealed class AdminApiTests
{
    private const string Key = "admin-test-key-9f2c41";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private RetroAppFactory _app = null!;
    private RetroApiClient _api = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        _app = new RetroAppFactory(new Dictionary<string, string?>
        {
            ["Admin:Key"] = Key,
            ["Admin:SampleInterval"] = "00:00:00.250",
        });
        _api = _app.CreateApiClient();
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    [TestCase("/api/admin/nodes", "GET")]
    [TestCase("/api/admin/chans", "GET")]
    [TestCase("/api/admin/clients", "GET")]
    [TestCase("/api/admin/history", "GET")]
    [TestCase("/api/admin/clients/someone/kick", "POST")]
    public async Task AdminEndpoint_NoKey_401(string path, string method)
    {
        using var response = await _api.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("X-Admin-Key"));
    }

    [TestCase("wrong")]
    [TestCase(Key + "x")]
    [TestCase("admin-test-key-9f2c4")]
    public async Task Nodes_WrongKey_401(string key)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/admin/nodes", key);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Nodes_RightKey_EmbeddedNodeWithStats()
    {
        // The embedded node publishes its figures with its heartbeat (every second in tests).
        JsonElement node = default;
        await Wait.UntilAsync(async () =>
        {
            var nodes = (await GetJsonAsync("/api/admin/nodes")).GetProperty("nodes");
            if (nodes.GetArrayLength() != 1) return false;
            node = nodes[0].Clone();
            return node.TryGetProperty("stats", out var stats) && stats.ValueKind == JsonValueKind.Object;
        }, Bound, "the embedded node with stats");

        Assert.That(node.GetProperty("url").GetString(), Does.StartWith("ws://127.0.0.1:" + _app.Port));
        var statsJson = node.GetProperty("stats");
        foreach (var name in new[] { "clients", "chans", "messagesOutPerSec", "messagesInPerSec", "bytesOutPerSec", "bytesInPerSec", "queueDrops" })
        {
            Assert.That(statsJson.TryGetProperty(name, out _), Is.True, name);
        }
    }

    [Test]
    public async Task Kick_ConnectedParticipant_SocketClosedWith4001AndGoneFromClients()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync(), "Ann");
        await using var socket = await RetroEvents.ConnectAsync(ann);
        var clients = await GetJsonAsync("/api/admin/clients");
        var listed = clients.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == ann.Id);
        Assert.That(listed.GetProperty("online").GetBoolean(), Is.True);
        Assert.That(listed.GetProperty("nodes").EnumerateObject().Single().Value.GetInt64(), Is.EqualTo(1));

        using var kick = await SendAsync(HttpMethod.Post, $"/api/admin/clients/{ann.Id}/kick", Key);

        Assert.That(kick.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await kick.Content.ReadAsStringAsync());
        Assert.That(body.RootElement.GetProperty("wasOnline").GetBoolean(), Is.True);
        var closed = await socket.WaitClosedAsync(Bound);
        Assert.That(closed.Status, Is.EqualTo(ImCloseCodes.Kicked));
        await Wait.UntilAsync(async () =>
            !(await GetJsonAsync($"/api/admin/clients/{ann.Id}")).GetProperty("online").GetBoolean(), Bound, "the kicked client to go offline");
    }

    [Test]
    public async Task Chans_ParticipantOnline_RetroChannelWithMemberAndOnlineCounts()
    {
        var ann = await _api.JoinAsync(await _api.CreateRetroAsync(), "Ann");
        await _api.JoinAsync(ann.RetroId, "Bob");
        await using var socket = await RetroEvents.ConnectAsync(ann);

        var chans = (await GetJsonAsync("/api/admin/chans")).GetProperty("chans");

        var chan = chans.EnumerateArray().Single(c => c.GetProperty("chan").GetString() == "retro:" + ann.RetroId);
        Assert.That((chan.GetProperty("members").GetInt64(), chan.GetProperty("online").GetInt64()), Is.EqualTo((2L, 1L)));
    }

    [Test]
    public async Task History_AfterSampling_SamplesWithTheNode()
    {
        JsonElement history = default;
        await Wait.UntilAsync(async () =>
        {
            history = await GetJsonAsync("/api/admin/history");
            return history.GetProperty("samples").GetArrayLength() >= 2;
        }, Bound, "two samples");

        Assert.That(history.GetProperty("intervalMs").GetInt64(), Is.EqualTo(250));
        var last = history.GetProperty("samples").EnumerateArray().Last();
        var node = last.GetProperty("nodes").EnumerateArray().Single();
        Assert.That(node.TryGetProperty("connections", out _) && node.TryGetProperty("messagesOutPerSec", out _), Is.True);
    }

    [Test]
    public async Task Kick_TooLongClientId_400()
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/admin/clients/{new string('x', 300)}/kick", Key);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task AdminPage_Enabled_RedirectsToThePage()
    {
        using var response = await _api.Http.GetAsync("/admin");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.RequestMessage!.RequestUri!.AbsolutePath, Is.EqualTo("/admin.html"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("admin.js"));
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", key);
        return _api.Http.SendAsync(request);
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, Key);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
