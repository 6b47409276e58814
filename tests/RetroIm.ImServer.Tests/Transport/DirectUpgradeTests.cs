using System.Net;
using System.Text;
using System.Text.Json;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// The ImServer host accepts its connections itself and answers upgrades before HTTP (ImServer:DirectUpgrade, on by
/// default): odd but valid handshakes still connect, malformed ones get the HTTP path's answers, and whatever is not
/// an upgrade reaches Kestrel byte for byte.
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

    [Test]
    public async Task Http_RequestArrivingInPieces_ReachesKestrelUntouched()
    {
        await using var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);

        // "GE" could still be an upgrade: the listener looks again until the bytes tell, consuming none of them.
        await raw.SendAsync("GE");
        await Task.Yield();
        await raw.SendAsync("T /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var (status, head, _) = await raw.ReadResponseAsync();

        Assert.That(status, Is.EqualTo(200), head);
        Assert.That(head, Does.Contain("application/json"), "the health report, from Kestrel");
    }

    [Test]
    public async Task NotHttp_GetsKestrelsOwn400_AndTheNodeServesTheNextConnection()
    {
        await using (var garbage = await RawUpgradeClient.ConnectAsync(NodeA.Port))
        {
            await garbage.SendAsync("\u0016\u0003\u0001 this is no request\r\n\r\n");
            var (status, head, _) = await garbage.ReadResponseAsync();
            Assert.That(status, Is.EqualTo(400), head);
        }
        // One that connects and leaves without a byte, then a real client.
        using (var silent = new System.Net.Sockets.TcpClient())
        {
            await silent.ConnectAsync(IPAddress.Loopback, NodeA.Port);
        }
        await using var client = await Cluster.ConnectToNodeAsync(NewId("after"), NodeA);
        Assert.That(client.Welcome, Is.Not.Null, "the next client was welcomed");
    }

    private static string PathAndQuery(string wsUrl) => new Uri(wsUrl).PathAndQuery;
}
