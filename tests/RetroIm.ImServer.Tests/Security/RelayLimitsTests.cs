using System.Net;
using System.Net.WebSockets;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>
/// The relay's guards against hostile or buggy clients, on a node of its own configured with small limits:
/// Origin allowlist (403), connects per second per IP (429), frames per second (close 1008), channels per client.
/// </summary>
[TestFixture]
public sealed class RelayLimitsTests : OwnNodeTestBase
{
    private const int FramesPerSecond = 10;
    private const int FrameBurst = 20;
    private const int MaxChannels = 2;

    protected override IEnumerable<string> NodeArgs =>
    [
        "--ImServer:AllowedOrigins:0=https://app.example.com",
        "--ImServer:AllowedOrigins:1=https://*.example.org",
        $"--ImServer:FramesPerSecond={FramesPerSecond}",
        $"--ImServer:FrameBurst={FrameBurst}",
        $"--ImServer:MaxChannelsPerClient={MaxChannels}",
    ];

    [TestCase("https://evil.test")]
    [TestCase("https://app.example.com.evil.test")]
    [TestCase("https://example.org")]
    [TestCase("null")]
    public async Task Connect_OriginNotAllowed_403BeforeUpgradeAndTokenNotSpent(string origin)
    {
        var client = NewId("origin");
        var url = await Cluster.IssueUrlForNodeAsync(client, NodeA);

        var (status, body, _) = await HandshakeRequest.SendAsync(url, origin);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body);

        // Refused before the ticket was redeemed: the same URL still works from an allowed page.
        var socket = Own(await OpenWithOriginAsync(url, "https://app.example.com"));
        Assert.That((await socket.ExpectWelcomeAsync(Bound)).Str("clientId"), Is.EqualTo(client));
    }

    [TestCase("https://app.example.com")]
    [TestCase("https://team.example.org")]
    [TestCase("https://a.b.example.org")]
    [TestCase(null)]
    public async Task Connect_OriginAllowedOrAbsent_Welcomed(string? origin)
    {
        var client = NewId("origin-ok");
        var url = await Cluster.IssueUrlForNodeAsync(client, NodeA);

        var socket = Own(await OpenWithOriginAsync(url, origin));

        Assert.That((await socket.ExpectWelcomeAsync(Bound)).Str("clientId"), Is.EqualTo(client));
    }

    [Test]
    public async Task Connect_OverConnectsPerSecondPerIp_429WithRetryAfter()
    {
        // A node of its own: the limit applies to everything from 127.0.0.1, which the other tests use too.
        var node = await Cluster.StartNodeAsync(["--ImServer:ConnectsPerSecondPerIp=5", "--ImServer:RateLimitLoopback=true"]);
        try
        {
            var results = new List<(HttpStatusCode Status, string? RetryAfter)>();
            for (var i = 0; i < 30; i++)
            {
                var (status, _, retryAfter) = await HandshakeRequest.SendAsync($"{node.Url}/ws?token={ImCluster.NewToken()}");
                results.Add((status, retryAfter));
            }
            var refused = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToArray();
            var tried = results.Count(r => r.Status == HttpStatusCode.Unauthorized);
            await TestContext.Out.WriteLineAsync($"30 forged tokens: {tried} reached the ticket check (401), {refused.Length} got 429");

            Assert.That(results.Select(r => r.Status), Is.All.AnyOf(HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests));
            Assert.That(refused, Is.Not.Empty, "a client guessing tokens is slowed down");
            Assert.That(tried, Is.LessThan(20), "most guesses never reach the backplane");
            Assert.That(refused.Select(r => int.Parse(r.RetryAfter ?? "0")), Is.All.InRange(1, 5), "Retry-After in whole seconds");

            // The bucket refills: after the advertised wait, the address may connect again.
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(refused[^1].RetryAfter!)));
            var client = NewId("after-429");
            var url = await Cluster.IssueUrlForNodeAsync(client, node);
            var socket = Own(await TestWebSocketClient.ConnectAsync(url));
            Assert.That((await socket.ExpectWelcomeAsync(Bound)).Str("clientId"), Is.EqualTo(client));
            await socket.CloseAsync();
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public async Task Connect_NodeFull_503WithRetryAfter_AndTheSameUrlWorksOnceASlotFrees()
    {
        var node = await Cluster.StartNodeAsync(["--ImServer:MaxConnections=2"]);
        try
        {
            var held = new List<TestWebSocketClient>();
            for (var i = 0; i < 2; i++)
            {
                var socket = Own(await TestWebSocketClient.ConnectAsync(await Cluster.IssueUrlForNodeAsync(NewId("full"), node)));
                await socket.ExpectWelcomeAsync(Bound);
                held.Add(socket);
            }

            var third = NewId("third");
            var url = await Cluster.IssueUrlForNodeAsync(third, node);
            var (status, body, retryAfter) = await HandshakeRequest.SendAsync(url);
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(body, Does.Contain("full"));
            Assert.That(retryAfter, Is.EqualTo("1"), "Retry-After in whole seconds");
            Assert.That(await Cluster.Client.HasOnlineAsync(third), Is.False);

            // The refusal came before the token was redeemed: the same URL connects once a connection has gone.
            await held[0].CloseAsync();
            TestWebSocketClient? admitted = null;
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    admitted = Own(await TestWebSocketClient.ConnectAsync(url));
                    return true;
                }
                catch (WebSocketException)
                {
                    return false; // still full: the closed connection is being unregistered
                }
            }, Bound, "the refused URL connecting once a slot is free", TimeSpan.FromMilliseconds(100));
            Assert.That((await admitted!.ExpectWelcomeAsync(Bound)).Str("clientId"), Is.EqualTo(third));
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public void ConnectionLimit_ZeroFollowsTheOpenFileLimit_NegativeIsNone()
    {
        Assert.That(RetroIm.Relay.Connections.ConnectionLimit.Resolve(7), Is.EqualTo(7));
        Assert.That(RetroIm.Relay.Connections.ConnectionLimit.Resolve(-1), Is.Zero, "negative: no limit");
        var files = RetroIm.Relay.Connections.ConnectionLimit.OpenFileLimit();
        Assume.That(files, Is.Not.Null, "needs /proc/self/limits (Linux)");
        Assert.That(RetroIm.Relay.Connections.ConnectionLimit.Resolve(0),
            Is.EqualTo(Math.Max(10, files!.Value - RetroIm.Relay.Connections.ConnectionLimit.ReservedFiles(files.Value))));
        Assert.That(RetroIm.Relay.Connections.ConnectionLimit.ReservedFiles(20_000), Is.EqualTo(1000), "a large limit keeps 1,000 free");
        Assert.That(RetroIm.Relay.Connections.ConnectionLimit.ReservedFiles(1024), Is.EqualTo(102), "a small one a tenth");
    }

    [Test]
    public async Task Receive_FramesOverTheRate_Closed1008RateLimit()
    {
        var socket = await ConnectToAsync(NewId("flood"), NodeA);

        // Far more than the burst, as fast as the socket takes them; the node may close while we are still sending.
        // Data frames (an event without the right): pings and acks have a budget of their own (AckRateLimitTests).
        try
        {
            for (var i = 0; i < FrameBurst * 5; i++) await socket.SendTextAsync("""{"type":"event","event":"flood"}""");
        }
        catch (WebSocketException)
        {
        }

        var closed = await socket.WaitClosedAsync(Bound);
        Assert.That(closed.Status, Is.EqualTo(1008), closed.ToString());
        Assert.That(closed.Description, Is.EqualTo("rate limit"));
    }

    [Test]
    public async Task Receive_FramesWithinTheBurst_AllAnsweredAndStaysOpen()
    {
        var socket = await ConnectToAsync(NewId("polite"), NodeA);

        for (var i = 0; i < FrameBurst - 2; i++) await socket.SendTextAsync("""{"type":"ping"}""");
        for (var i = 0; i < FrameBurst - 2; i++) await socket.ExpectAsync("pong", Bound);

        Assert.That(socket.Closed.IsCompleted, Is.False);
    }

    [Test]
    public async Task Index_ClientInMoreChannelsThanTheNodeAllows_ForwardsOnlyUpToTheLimit()
    {
        var client = NewId("many-chans");
        var chans = Enumerable.Range(0, MaxChannels + 1).Select(i => NewId("chan" + i)).ToArray();
        foreach (var chan in chans) await Cluster.Client.JoinChanAsync(chan, client);
        var socket = await ConnectToAsync(client, NodeA);

        foreach (var chan in chans) await Cluster.Client.SendChanMessageAsync(null, chan, chan);
        await Cluster.Client.SendMessageAsync(null, [client], "marker");

        var (_, before) = await socket.ReceiveUntilAsync(f => f.Type == "message" && f.MessageData.GetString() == "marker", Bound);
        var received = before.Where(f => f.Type == "message").Select(f => f.Str("chan")).ToArray();
        Assert.That(received, Has.Length.EqualTo(MaxChannels), $"channel messages before the marker: {string.Join(", ", received)}");
        Assert.That(received, Is.SubsetOf(chans).And.Unique);
    }

    private static async Task<TestWebSocketClient> OpenWithOriginAsync(string url, string? origin)
    {
        // TestWebSocketClient has no header option; a shared invoker with an Origin-adding handler would be overkill.
        var invoker = new HttpMessageInvoker(new OriginHandler(origin));
        return await TestWebSocketClient.ConnectAsync(url, new TestWebSocketOptions { Invoker = invoker });
    }

    /// <summary>Adds the Origin header a browser page would send.</summary>
    private sealed class OriginHandler(string? origin) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
