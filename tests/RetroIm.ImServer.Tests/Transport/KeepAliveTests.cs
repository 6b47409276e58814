using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// Keep-alive of sockets the node upgraded itself: one node-wide sweep sends a PING only after the client fell silent,
/// and aborts a socket whose PING stays unanswered (a half-open peer), with no timer per socket.
/// </summary>
[TestFixture]
public sealed class KeepAliveTests
{
    private RedisServer _redis = null!;
    private ImServerProcess _node = null!;
    private RedisBackplane _backplane = null!;
    private ImClient _im = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _redis = await RedisServer.StartAsync();
        _node = await ImServerProcess.StartAsync(_redis.Port, ["--ImServer:KeepAliveInterval=00:00:01", "--ImServer:KeepAliveTimeout=00:00:01"]);
        _backplane = new RedisBackplane(RedisOptions.Parse(_redis.ConnectionString));
        _im = new ImClient(_backplane);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _im.DisposeAsync();
        await _backplane.DisposeAsync();
        await _node.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Test]
    public async Task KeepAlive_SilentPeerThatNeverAnswers_PingedThenDropped()
    {
        var url = await _im.PrevConnectServerAsync("ka-silent-" + Guid.NewGuid().ToString("N")[..8]);
        await using var raw = await RawUpgradeClient.ConnectAsync(_node.Port);
        await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url)));
        var (status, _, _) = await raw.ReadResponseAsync();
        var welcome = await raw.ReadFrameAsync();

        var ping = await raw.ReadFrameAsync();
        // Never answered: the node drops the TCP connection within the timeout plus a sweep or two.
        var dropped = Assert.CatchAsync(async () =>
        {
            while (true) await raw.ReadFrameAsync();
        });

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(101));
            Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
            Assert.That(ping.Opcode, Is.EqualTo(0x9), "a PING after a second of silence");
            Assert.That(dropped, Is.InstanceOf<EndOfStreamException>().Or.InstanceOf<IOException>());
        });
    }

    [Test]
    public async Task KeepAlive_PeerAnsweringPings_StaysConnectedAndReceives()
    {
        var clientId = "ka-alive-" + Guid.NewGuid().ToString("N")[..8];
        var url = await _im.PrevConnectServerAsync(clientId);
        // ClientWebSocket answers PINGs while a receive is pending (its own keep-alive is off here).
        await using var socket = await TestWebSocketClient.ConnectAsync(url);
        await socket.ExpectWelcomeAsync(TimeSpan.FromSeconds(10));
        // Several PING rounds (interval + timeout are 1 s each), each answered.
        var deadline = DateTime.UtcNow.AddSeconds(4);
        while (DateTime.UtcNow < deadline)
        {
            await _im.SendMessageAsync(null, [clientId], "still here");
            await socket.ExpectAsync("message", TimeSpan.FromSeconds(10));
            await Task.Delay(500); // pacing, not synchronisation: the PINGs are answered by the receive in ExpectAsync
        }
        await _im.SendMessageAsync(null, [clientId], "last");
        var last = await socket.ExpectAsync("message", TimeSpan.FromSeconds(10));

        Assert.That(last.MessageData.GetString(), Is.EqualTo("last"));
    }

    private static string PathAndQuery(string url) => new Uri(url).PathAndQuery;
}
