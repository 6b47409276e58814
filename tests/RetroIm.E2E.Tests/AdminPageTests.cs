using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using RetroIm.Testing;
using static Microsoft.Playwright.Assertions;

namespace RetroIm.E2E.Tests;

/// <summary>
/// The admin page in a real browser: a WebApi with an admin key in front of a two-node cluster shows both nodes, a
/// connected client and the retro's channel, draws its graph, and its kick button closes the client's socket.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AdminPageTests
{
    private const string Key = "e2e-admin-key-7c19";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private ImCluster _cluster = null!;
    private WebApiProcess _webApi = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly List<string> _console = [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        SetDefaultExpectTimeout(15_000);
        _cluster = await ImCluster.StartAsync(nodeCount: 2);
        _webApi = await WebApiProcess.StartAsync(_cluster.Redis.Port, extraArgs: [$"--Admin:Key={Key}", "--Admin:SampleInterval=00:00:01"]);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_webApi is not null) await _webApi.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [TearDown]
    public async Task ReportAsync()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != TestStatus.Failed) return;
        await TestContext.Out.WriteLineAsync("Browser console:" + Environment.NewLine + string.Join(Environment.NewLine, _console));
        await TestContext.Out.WriteLineAsync(_webApi.Log.Tail(150));
        await TestContext.Out.WriteLineAsync(_cluster.DescribeForFailure(60));
    }

    [Test]
    public async Task AdminPage_NodesAndConnectedClient_ShownAndKickRemovesIt()
    {
        // A retro participant connected through the WebApi (a channel with an online member), and traffic for the graph.
        using var http = _webApi.CreateClient();
        var (retroId, participantId, connectUrl) = await JoinRetroAsync(http);
        await using var socket = await TestWebSocketClient.ConnectAsync(connectUrl);
        await socket.ExpectWelcomeAsync(Bound);
        for (var i = 0; i < 20; i++) await _cluster.Client.SendMessageAsync(null, [participantId], new { n = i });

        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await using var _ = context;
        var page = await context.NewPageAsync();
        page.Console += (_, message) => _console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => _console.Add("page error: " + error);
        await page.GotoAsync(new Uri(_webApi.BaseAddress, "admin").ToString());
        await page.GetByTestId("admin-key").FillAsync(Key);
        await page.GetByTestId("admin-open").ClickAsync();

        var nodes = page.GetByTestId("nodes");
        await Expect(nodes.Locator($"tr[data-node-id='{_cluster[0].NodeId}']")).ToBeVisibleAsync();
        await Expect(nodes.Locator($"tr[data-node-id='{_cluster[1].NodeId}']")).ToBeVisibleAsync();
        var client = page.GetByTestId("clients").Locator($"tr[data-client-id='{participantId}']");
        await Expect(client).ToBeVisibleAsync();
        var chan = page.GetByTestId("chans").Locator($"tr[data-chan='retro:{retroId}']");
        await Expect(chan.Locator("td").Nth(1)).ToHaveTextAsync("1"); // online
        await Expect(page.GetByTestId("admin-state")).ToHaveTextAsync("live");
        // Two samples make a line; the sampler takes one a second.
        await Expect(page.GetByTestId("chart-connections").Locator("polyline").First).ToBeAttachedAsync();
        await Expect(page.GetByTestId("chart-messages").Locator("polyline").First).ToBeAttachedAsync();
        await SaveScreenshotAsync(page);

        await client.GetByTestId("kick").ClickAsync();

        var closed = await socket.WaitClosedAsync(Bound);
        Assert.That(closed.Status, Is.EqualTo(4001), closed.ToString());
        await Expect(client).ToHaveCountAsync(0);
        Assert.That(await _cluster.Client.HasOnlineAsync(participantId), Is.False);
    }

    private static async Task<(string RetroId, string ParticipantId, string ConnectUrl)> JoinRetroAsync(HttpClient http)
    {
        using var created = await http.PostAsJsonAsync("api/retros", new { title = "Admin check" });
        created.EnsureSuccessStatusCode();
        var retroId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var joined = await http.PostAsJsonAsync($"api/retros/{retroId}/participants", new { name = "Ann" });
        joined.EnsureSuccessStatusCode();
        var participant = await joined.Content.ReadFromJsonAsync<JsonElement>();
        return (retroId, participant.GetProperty("participantId").GetString()!, participant.GetProperty("connectUrl").GetString()!);
    }

    /// <summary>Attaches the page's screenshot to the test and publishes it as artifacts/screenshots/admin.png.</summary>
    private static async Task SaveScreenshotAsync(IPage page)
    {
        var test = TestContext.CurrentContext.Test;
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots", test.MethodName ?? test.Name, "admin.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, "the admin page");
        var copies = BoardScreenshots.CopyToRepository([path]);
        await TestContext.Out.WriteLineAsync("Admin page: " + string.Join(", ", copies));
    }
}
