using System.Text.Json;
using NUnit.Framework.Interfaces;
using static Microsoft.Playwright.Assertions;

namespace RetroIm.E2E.Tests;

/// <summary>
/// The retro page in Chromium with WebSockets disabled (as behind a proxy that blocks them): the JS SDK falls back to
/// server-sent events down and HTTP POST up, goes live on an ImServer node, and shows what another participant does.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SseFallbackTests
{
    // Runs after the page's socket tracker: the page has no WebSocket at all.
    private const string NoWebSocket = "window.WebSocket = undefined;";

    private RetroEnvironment _environment = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync()
    {
        SetDefaultExpectTimeout(10_000);
        _environment = await RetroEnvironment.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        if (_environment is not null) await _environment.DisposeAsync();
    }

    [Test]
    public async Task Join_WebSocketsDisabled_GoesLiveOverSseAndShowsOthersTopic()
    {
        await using var a = await RetroPage.OpenAsync(_environment.Browser, _environment.WebApi.BaseAddress, "A");
        await using var b = await RetroPage.OpenAsync(_environment.Browser, _environment.WebApi.BaseAddress, "B (no WebSocket)");
        var bSockets = 0;
        b.Page.WebSocket += (_, _) => Interlocked.Increment(ref bSockets);
        await b.Context.AddInitScriptAsync(NoWebSocket);
        try
        {
            var retroId = await a.CreateRetroAsync("No-WebSocket retro");
            await a.JoinAsync("Ann");
            await b.GotoRetroAsync(retroId);
            await b.JoinAsync("Ben");

            var transport = await b.Page.EvaluateAsync<string>("() => window.__retro.conn.transport");
            await b.MarkDocumentAsync();
            await a.AddTopicAsync("Proxies block WebSockets", "Found during the fallback test");

            await Expect(b.Cards("next").GetByTestId("topic-title")).ToHaveTextAsync(["Proxies block WebSockets"]);
            // Upstream over POST: the SDK's own ping is answered down the stream.
            var pong = await b.Page.EvaluateAsync<JsonElement>("""
                () => new Promise((resolve, reject) => {
                  const conn = window.__retro.conn;
                  const off = conn.on('pong', () => { off(); resolve(true); });
                  if (!conn.send({ type: 'ping' })) reject(new Error('not open'));
                  setTimeout(() => reject(new Error('no pong in 10 s')), 10000);
                })
                """);
            Assert.Multiple(async () =>
            {
                Assert.That(transport, Is.EqualTo("sse"));
                Assert.That(bSockets, Is.Zero, "B never opened a WebSocket");
                Assert.That(pong.GetBoolean(), Is.True);
                Assert.That(await b.WasReloadedAsync(), Is.False, "B's page showed the topic without reloading");
            });
        }
        catch
        {
            await TestContext.Out.WriteLineAsync(a.DescribeForFailure() + Environment.NewLine + b.DescribeForFailure());
            await TestContext.Out.WriteLineAsync(_environment.DescribeForFailure());
            throw;
        }
    }
}
