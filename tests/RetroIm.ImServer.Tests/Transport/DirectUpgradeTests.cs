using System.Net;
using System.Text;
using System.Text.Json;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// The ImServer host answers upgrades in a connection middleware (ImServer:DirectUpgrade, on by default): odd but
/// valid handshakes still connect, malformed ones get the HTTP path's answers, and plain HTTP is untouched.
/// </summary>
[TestFixture]
public sealed class DirectUpgradeTests : ClusterTestBase
{
    [Test]
    public async Task Upgrade_HeadArrivingInPieces_SwitchesProtocolsAndWelcomes()
    {
        var client = NewId("pieces");
        var url = await Cluster.IssueUrlForNodeAsync(client, NodeA);
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);
        var head = RawUpgradeClient.UpgradeHead(PathAndQuery(url));

        // "G", then a cut inside the path, then inside a header, then the rest.
        foreach (var piece in new[] { head[..1], head[1..5], head[5..40], head[40..] })
        {
            await raw.SendAsync(piece);
            await Task.Yield();
        }
        var (status, responseHead, _) = await raw.ReadResponseAsync();
        var welcome = await raw.ReadFrameAsync();

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(101), responseHead);
            // RFC 6455's own example key and accept value.
            Assert.That(responseHead, Does.Contain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
            Assert.That(welcome.Opcode, Is.EqualTo(1));
            Assert.That(JsonDocument.Parse(welcome.Payload).RootElement.GetProperty("clientId").GetString(), Is.EqualTo(client));
        });
    }

    [Test]
    public async Task Upgrade_FrameSentRightBehindTheHead_IsReadAsTheFirstFrame()
    {
        var url = await Cluster.IssueUrlForNodeAsync(NewId("pipelined"), NodeA);
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);
        var head = Encoding.Latin1.GetBytes(RawUpgradeClient.UpgradeHead(PathAndQuery(url)));

        await raw.SendAsync([.. head, .. RawUpgradeClient.MaskedText("""{"type":"ping"}""")]);
        var (status, _, _) = await raw.ReadResponseAsync();
        var welcome = await raw.ReadFrameAsync();
        var pong = await raw.ReadFrameAsync();

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(101));
            Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
            Assert.That(pong.Payload, Does.Contain("\"pong\""));
        });
    }

    [Test]
    public async Task Upgrade_HeadOverTheMiddlewareLimit_ServedByTheHttpEndpoint()
    {
        var url = await Cluster.IssueUrlForNodeAsync(NewId("bighead"), NodeA);
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);

        await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url), "X-Pad: " + new string('a', 10_000) + "\r\n"));
        var (status, head, _) = await raw.ReadResponseAsync();
        var welcome = await raw.ReadFrameAsync();

        Assert.That(status, Is.EqualTo(101), head);
        Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
    }

    [Test]
    public async Task Upgrade_InvalidKey_RefusedWith400LikeTheHttpPath()
    {
        var url = await Cluster.IssueUrlForNodeAsync(NewId("badkey"), NodeA);
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);

        await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url), key: "c2hvcnQ="));
        var (status, head, body) = await raw.ReadResponseAsync();

        Assert.That(status, Is.EqualTo(400), head);
        Assert.That(body, Is.EqualTo("expected a WebSocket upgrade"));
    }

    [Test]
    public async Task Upgrade_MissingToken_RefusedWith401AndConnectionClosed()
    {
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);

        await raw.SendAsync(RawUpgradeClient.UpgradeHead("/ws"));
        var (status, head, body) = await raw.ReadResponseAsync();

        Assert.That(status, Is.EqualTo(401), head);
        Assert.That(body, Is.EqualTo("missing token"));
        Assert.ThrowsAsync<EndOfStreamException>(raw.ReadFrameAsync);
    }

    [Test]
    public async Task Http_HealthAndPlainGetOfTheRelayPath_StillServedByHttp()
    {
        using var http = new HttpClient { BaseAddress = NodeA.HttpBase, Timeout = TimeSpan.FromSeconds(10) };

        using var health = await http.GetAsync("/health");
        using var plain = await http.GetAsync("/ws");

        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), await health.Content.ReadAsStringAsync());
        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await plain.Content.ReadAsStringAsync(), Is.EqualTo("expected a WebSocket upgrade"));
    }

    [Test]
    public async Task Upgrade_AfterARequestOnAKeptAliveConnection_ServedByTheHttpEndpoint()
    {
        var url = await Cluster.IssueUrlForNodeAsync(NewId("keepalive"), NodeA);
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);

        await raw.SendAsync("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var (healthStatus, _, _) = await raw.ReadResponseAsync();
        await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url)));
        var (status, head, _) = await raw.ReadResponseAsync();
        var welcome = await raw.ReadFrameAsync();

        Assert.That(healthStatus, Is.EqualTo(200));
        Assert.That(status, Is.EqualTo(101), head);
        Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
    }

    private static string PathAndQuery(string wsUrl) => new Uri(wsUrl).PathAndQuery;
}
