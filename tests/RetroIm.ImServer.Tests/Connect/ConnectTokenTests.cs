using System.Net;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Connect;

[TestFixture]
public sealed class ConnectTokenTests : ClusterTestBase
{
    [Test]
    public async Task Connect_ValidToken_WelcomeNamesClientConnectionAndNode()
    {
        var client = NewId("welcome");
        var url = await Cluster.ConnectUrlAsync(client);
        var node = Cluster.NodeOf(url);

        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        var welcome = await socket.ExpectWelcomeAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(url, Does.Match(@"^ws://127\.0\.0\.1:\d+/ws\?token=[A-Za-z0-9_-]{22,}$"));
            Assert.That(welcome.Str("clientId"), Is.EqualTo(client));
            Assert.That(welcome.Str("connectionId"), Is.Not.Null.And.Not.Empty);
            Assert.That(welcome.Str("node"), Is.EqualTo(node.NodeId));
        });
    }

    [Test]
    public async Task Connect_TokenUsedTwice_SecondRefusedWith401()
    {
        var client = NewId("reuse");
        var url = await Cluster.ConnectUrlAsync(client);
        var first = Own(await TestWebSocketClient.ConnectAsync(url));
        await first.ExpectWelcomeAsync(Bound);

        var refusal = Assert.ThrowsAsync<TestWebSocketConnectException>(() => TestWebSocketClient.ConnectAsync(url));
        Assert.That(refusal!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        await first.CloseAsync();
        var (status, _) = await UpgradeRequest.GetAsync(url, asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), "still refused after the first connection closed");
    }

    [Test]
    public async Task Connect_TokenPastItsTtl_RefusedWith401()
    {
        // A second ImClient with a short TokenTtl, on its own backplane connection (a process of the business).
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var shortLived = new ImClient(backplane, new ImHelperOptions { TokenTtl = TimeSpan.FromMilliseconds(500) });
        var url = await shortLived.PrevConnectServerAsync(NewId("expired"));

        // Redis expires the ticket by itself; only the passing of time can be awaited here.
        await Task.Delay(TimeSpan.FromMilliseconds(1500));

        var (status, body) = await UpgradeRequest.GetAsync(url, asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
    }

    [Test]
    public async Task Connect_TokenWithinItsTtl_Accepted()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var shortLived = new ImClient(backplane, new ImHelperOptions { TokenTtl = TimeSpan.FromSeconds(5) });
        var client = NewId("intime");
        var url = await shortLived.PrevConnectServerAsync(client);

        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        Assert.That((await socket.ExpectWelcomeAsync(Bound)).Str("clientId"), Is.EqualTo(client));
    }

    [Test]
    public async Task Connect_ForgedToken_RefusedWith401()
    {
        var url = $"{NodeA.Url}/ws?token={ImCluster.NewToken()}";

        var refusal = Assert.ThrowsAsync<TestWebSocketConnectException>(() => TestWebSocketClient.ConnectAsync(url));
        Assert.That(refusal!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var (status, body) = await UpgradeRequest.GetAsync(url, asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
        Assert.That(body, Is.Not.Empty, "a short reason");
    }

    [Test]
    public async Task Connect_NoToken_RefusedWith401()
    {
        var (status, body) = await UpgradeRequest.GetAsync($"{NodeA.Url}/ws", asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
        (status, body) = await UpgradeRequest.GetAsync($"{NodeA.Url}/ws?token=", asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
    }

    [Test]
    public async Task Connect_TokenForAnotherNode_RefusedWith421NamingTheRightNodeAndTokenStillValidThere()
    {
        var client = NewId("wrongnode");
        var url = await Cluster.IssueUrlForNodeAsync(client, NodeA);
        var wrongUrl = url.Replace(NodeA.Url, NodeB.Url, StringComparison.Ordinal);

        var (status, body) = await UpgradeRequest.GetAsync(wrongUrl, asWebSocket: true);
        Assert.That(status, Is.EqualTo(HttpStatusCode.MisdirectedRequest), body);
        Assert.That(body, Does.Contain(NodeA.NodeId), "the body names the right node's id");
        Assert.That(body, Does.Contain(NodeA.Url), "the body names the right node's URL");

        var refusal = Assert.ThrowsAsync<TestWebSocketConnectException>(() => TestWebSocketClient.ConnectAsync(wrongUrl));
        Assert.That(refusal!.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));

        // The wrong node left the ticket in place: it still works where it was issued for.
        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        Assert.That((await socket.ExpectWelcomeAsync(Bound)).Str("node"), Is.EqualTo(NodeA.NodeId));
    }

    [Test]
    public async Task Connect_NotAWebSocketRequest_RefusedWith400()
    {
        var url = await Cluster.ConnectUrlAsync(NewId("plainget"));

        var (status, body) = await UpgradeRequest.GetAsync(url, asWebSocket: false);

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body);
    }
}
