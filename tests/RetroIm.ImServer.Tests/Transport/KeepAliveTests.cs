using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// Keep-alive of sockets the node upgraded itself: one node-wide sweep sends a PING only after the client fell silent
/// and the node wrote nothing to it for as long, and aborts a socket whose PING stays unanswered (a half-open peer),
/// with no timer per socket.
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
        var (raw, status, welcome) = await UpgradeAsync("ka-silent-" + Guid.NewGuid().ToString("N")[..8]);
        await using var _ = raw;

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
        var last = socket.ExpectAsync("message", TimeSpan.FromSeconds(15));
        // Nothing written for several PING rounds (interval + timeout are 1 s each): only answered PINGs keep it open.
        await Task.Delay(3500);
        await _im.SendMessageAsync(null, [clientId], "last");

        Assert.That((await last).MessageData.GetString(), Is.EqualTo("last"));
    }

    [Test]
    public async Task KeepAlive_SocketTheNodeWritesTo_NotPingedUntilTheWritesStop()
    {
        // A peer that never sends a byte (so never answers a PING) but gets a message every 100 ms for three
        // intervals: the node's writes stand in for the PINGs (the kernel watches them: TCP_USER_TIMEOUT), so no PING
        // comes and the socket is not dropped; once the messages stop, the PING comes.
        var clientId = "ka-written-" + Guid.NewGuid().ToString("N")[..8];
        var (raw, status, welcome) = await UpgradeAsync(clientId);
        await using var _ = raw;
        const int messages = 30;
        var sending = Task.Run(async () =>
        {
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            for (var i = 0; i < messages; i++)
            {
                await _im.SendMessageAsync(null, [clientId], $"m{i}");
                await pace.WaitForNextTickAsync();
            }
        });
        var opcodes = new List<int>();
        var received = 0;
        while (received < messages)
        {
            var (opcode, payload) = await raw.ReadFrameAsync().WaitAsync(TimeSpan.FromSeconds(10));
            opcodes.Add(opcode);
            if (opcode == 0x1 && payload.Contains("\"message\"")) received++;
        }
        await sending.WaitAsync(TimeSpan.FromSeconds(10));
        var after = await raw.ReadFrameAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(101));
            Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
            Assert.That(opcodes, Has.None.EqualTo(0x9), "no PING while the node writes to the socket");
            Assert.That(after.Opcode, Is.EqualTo(0x9), "a PING once the writes stopped");
        });
    }

    [Test]
    public async Task KeepAlive_PeerThatStopsReadingWhileWrittenTo_DroppedWithoutAPing()
    {
        // The node keeps writing (a message every 100 ms, so no PING ever falls due) to a peer that reads nothing and
        // has a tiny receive buffer: its window shuts, and the kernel aborts the socket once it stayed shut for the
        // interval plus the timeout (2 s here; TCP_USER_TIMEOUT). Without that, skipping the PINGs of written sockets
        // would keep such a peer until its queue overflowed.
        var clientId = "ka-stuck-" + Guid.NewGuid().ToString("N")[..8];
        var offline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnOffline(PresenceEvent e)
        {
            if (e.ClientId == clientId) offline.TrySetResult();
        }
        _im.Offline += OnOffline;
        try
        {
            // Nothing is read after the welcome.
            var (raw, status, _) = await UpgradeAsync(clientId, receiveBuffer: 4096);
            await using var _ = raw;
            var payload = new string('x', 4000);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            var writes = 0;
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (!offline.Task.IsCompleted && DateTime.UtcNow < deadline && await pace.WaitForNextTickAsync())
            {
                await _im.SendMessageAsync(null, [clientId], payload);
                writes++;
            }

            Assert.Multiple(() =>
            {
                Assert.That(status, Is.EqualTo(101));
                Assert.That(offline.Task.IsCompleted, Is.True, "the stuck peer was dropped while the node still wrote to it");
                Assert.That(writes, Is.GreaterThan(10), "the window was shut for a while first");
            });
        }
        finally
        {
            _im.Offline -= OnOffline;
        }
    }

    [Test]
    public async Task KeepAlive_SocketsConnectedTogether_PingedOverSeveralSweepsNotInOne()
    {
        // 24 silent sockets upgraded together. Each gets its first PING after ¾ to all of the 1 s interval (a share
        // fixed per socket), and the sweep runs every 100 ms, so the PINGs come in several sweeps rather than in one
        // burst (the PONGs, and a reconnect wave's keep-alive traffic, with them).
        const int count = 24;
        var urls = await Task.WhenAll(Enumerable.Range(0, count).Select(i => _im.PrevConnectServerAsync($"ka-spread-{i}-" + Guid.NewGuid().ToString("N")[..8])));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(urls.Select(async url =>
        {
            await using var raw = await RawUpgradeClient.ConnectAsync(_node.Port);
            // Taken before the request goes out: the node cannot have heard from this socket earlier.
            var upgraded = clock.Elapsed;
            await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url)));
            var (status, _, _) = await raw.ReadResponseAsync();
            await raw.ReadFrameAsync(); // the welcome
            var (opcode, _) = await raw.ReadFrameAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return (Status: status, Opcode: opcode, Upgraded: upgraded, Pinged: clock.Elapsed);
        }));

        var pinged = results.Select(r => r.Pinged.TotalMilliseconds).ToArray();
        var silence = results.Select(r => (r.Pinged - r.Upgraded).TotalMilliseconds).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Status), Is.All.EqualTo(101));
            Assert.That(results.Select(r => r.Opcode), Is.All.EqualTo(0x9), "each socket's next frame is a PING");
            Assert.That(silence, Is.All.GreaterThanOrEqualTo(700), "no PING before ¾ of the interval (less the coarse clock's rounding)");
            Assert.That(pinged.Max() - pinged.Min(), Is.GreaterThanOrEqualTo(50), "the PINGs came in more than one sweep");
        });
    }

    private static string PathAndQuery(string url) => new Uri(url).PathAndQuery;

    /// <summary>A raw socket upgraded for <paramref name="clientId"/>: the response's status and the first frame (the welcome).</summary>
    private async Task<(RawUpgradeClient Raw, int Status, (int Opcode, string Payload) Welcome)> UpgradeAsync(string clientId, int? receiveBuffer = null)
    {
        var url = await _im.PrevConnectServerAsync(clientId);
        var raw = await RawUpgradeClient.ConnectAsync(_node.Port, receiveBuffer);
        try
        {
            await raw.SendAsync(RawUpgradeClient.UpgradeHead(PathAndQuery(url)));
            var (status, _, _) = await raw.ReadResponseAsync();
            return (raw, status, await raw.ReadFrameAsync());
        }
        catch
        {
            await raw.DisposeAsync();
            throw;
        }
    }
}
