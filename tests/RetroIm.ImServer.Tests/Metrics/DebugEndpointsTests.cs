using System.Net;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Metrics;

/// <summary>
/// The benchmark's endpoints (<c>ImServer:DebugEndpoints</c>): absent by default, and on a node that enables them,
/// <c>POST /debug/gc</c> and <c>GET /debug/alloc</c> answer figures that follow what the node did.
/// </summary>
[TestFixture]
public sealed class DebugEndpointsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Test]
    public async Task DebugEndpoints_OffByDefault_NotFound()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = await ImServerProcess.StartAsync(redis.Port);

        using var alloc = await Http.GetAsync(new Uri(node.HttpBase, "/debug/alloc"));
        using var gc = await Http.PostAsync(new Uri(node.HttpBase, "/debug/gc"), null);

        Assert.That((alloc.StatusCode, gc.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
    }

    [Test]
    public async Task DebugEndpoints_Enabled_AllocationsGrowWithTrafficAndGcCounts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = await ImServerProcess.StartAsync(redis.Port, ["--ImServer:DebugEndpoints=true"]);
        await using var backplane = new RedisBackplane(RedisOptions.Parse(redis.ConnectionString));
        await using var im = new ImClient(backplane);
        await using var socket = await TestWebSocketClient.ConnectAsync(await im.PrevConnectServerAsync("alloc-client"));
        await socket.ExpectWelcomeAsync(Bound);

        var before = await AllocAsync(node);
        for (var i = 0; i < 200; i++) await im.SendMessageAsync(null, ["alloc-client"], new { i, pad = new string('x', 200) });
        for (var i = 0; i < 200; i++) await socket.ExpectAsync("message", Bound);
        var after = await AllocAsync(node);
        using var gc = await Http.PostAsync(new Uri(node.HttpBase, "/debug/gc"), null);
        using var memory = JsonDocument.Parse(await gc.Content.ReadAsStringAsync());
        var collected = await AllocAsync(node);

        Assert.Multiple(() =>
        {
            // 200 messages of over 200 bytes each went through the node: at least their bytes were allocated.
            Assert.That(after.GetProperty("allocatedBytes").GetInt64() - before.GetProperty("allocatedBytes").GetInt64(), Is.GreaterThan(200 * 200));
            Assert.That(gc.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(memory.RootElement.GetProperty("heapBytes").GetInt64(), Is.GreaterThan(0));
            Assert.That(memory.RootElement.GetProperty("rssBytes").GetInt64(), Is.GreaterThan(0));
            // POST /debug/gc ran two full collections: gen2 counts them, and they took time.
            Assert.That(collected.GetProperty("gen2").GetInt64() - after.GetProperty("gen2").GetInt64(), Is.GreaterThanOrEqualTo(2));
            Assert.That(collected.GetProperty("gen0").GetInt64(), Is.GreaterThanOrEqualTo(collected.GetProperty("gen1").GetInt64()));
            Assert.That(collected.GetProperty("pauseMs").GetInt64(), Is.GreaterThanOrEqualTo(after.GetProperty("pauseMs").GetInt64()));
            // The young-generation cap of RetroIm.ImServer.csproj is the one the node's GC runs with.
            Assert.That(collected.GetProperty("gen0MaxBudget").GetInt64(), Is.EqualTo(16L << 20));
        });
    }

    private static async Task<JsonElement> AllocAsync(ImServerProcess node)
    {
        using var response = await Http.GetAsync(new Uri(node.HttpBase, "/debug/alloc"));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
