using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Fuzz;

/// <summary>
/// Throws random and malformed frames, handshakes and tokens at a real node for a bounded time while well-behaved
/// clients receive a steady stream through ImHelper. The node must not exit, the good clients must get every message,
/// its memory must stay flat and /health must answer 200 at the end. The seed is printed; rerun one run with
/// <c>RETROIM_FUZZ_SEED=&lt;seed&gt;</c> (the workers' interleaving still depends on timing), and lengthen it with
/// <c>RETROIM_FUZZ_SECONDS</c>.
/// </summary>
[TestFixture]
public sealed class FuzzTest
{
    private const int GoodClients = 6;
    // Compared after full collections on both sides (RssAfterGcAsync). The node grows 8–12 MB on the 2-core VM
    // (thread-pool threads and runtime bookkeeping the attack made it add); a leak of 2.5 KB or more per refused token
    // (12,000–14,000 of them in 20 s there) crosses the bound.
    private const long RssGrowthBoundBytes = 32L * 1024 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task Node_UnderRandomFramesHandshakesAndTokens_StaysUpDeliversEverythingMemoryFlat()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RETROIM_FUZZ_SEED"), out var s) ? s : Random.Shared.Next();
        var duration = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("RETROIM_FUZZ_SECONDS"), out var secs) ? secs : 20);
        await TestContext.Out.WriteLineAsync($"fuzz seed: {seed} (rerun with RETROIM_FUZZ_SEED={seed}); duration {duration.TotalSeconds:0} s");

        await using var redis = await RedisServer.StartAsync();
        // Debug endpoints for POST /debug/gc: memory is compared after full collections, so what it measures is what
        // the node keeps (a leak), not how far its GC happened to let garbage pile up on a loaded machine.
        await using var node = await ImServerProcess.StartAsync(redis.Port, ["--ImServer:DebugEndpoints=true"]);
        await using var backplane = new RedisBackplane(RedisOptions.Parse($"127.0.0.1:{redis.Port}"));
        await using var im = new ImClient(backplane);
        var stats = new FuzzStats();
        var good = new List<GoodClient>();
        try
        {
            // Well-behaved clients: one channel plus direct messages.
            var chan = "fuzz-good-" + Guid.NewGuid().ToString("N")[..8];
            var ids = Enumerable.Range(0, GoodClients).Select(i => $"good-{i}-{Guid.NewGuid().ToString("N")[..6]}").ToArray();
            await im.JoinChanAsync(chan, ids);
            foreach (var id in ids) good.Add(new GoodClient(id, await TestWebSocketClient.ConnectAsync(await im.PrevConnectServerAsync(id))));
            foreach (var client in good) await client.Socket.ExpectWelcomeAsync(Bound);

            using var stopAttack = new CancellationTokenSource(duration);
            using var stopPublishing = new CancellationTokenSource();
            var publisher = PublishAsync(im, chan, ids, stopPublishing.Token);
            var readers = good.Select(c => c.ReadAsync()).ToArray();

            // Warm up before the baseline: JIT, pools and the publisher's steady state.
            await Wait.UntilAsync(() => good.All(c => c.Count >= 20), Bound, "the good clients to receive their first messages");
            var rssBefore = await RssAfterGcAsync(node);

            var workers = new List<Task>();
            for (var w = 0; w < 3; w++) workers.Add(AttackLoopAsync("frames", seed + w, stats, stopAttack.Token, (rng, ct) => FuzzFramesOnceAsync(node, im, rng, stats, ct)));
            for (var w = 3; w < 5; w++) workers.Add(AttackLoopAsync("handshake", seed + w, stats, stopAttack.Token, (rng, ct) => HandshakeFuzzer.RunAsync(node.Port, RandomToken(rng), rng, stats, ct)));
            workers.Add(AttackLoopAsync("tokens", seed + 5, stats, stopAttack.Token, (rng, ct) => ForgedTokenOnceAsync(node, backplane, rng, stats, ct)));
            var watchdog = WatchNodeAsync(node, stopAttack.Token);
            await Task.WhenAll(workers);
            await watchdog;

            var sent = await StopPublisherAsync(stopPublishing, publisher);
            await TestContext.Out.WriteLineAsync($"fuzz: {stats}");
            await TestContext.Out.WriteLineAsync($"published {sent} messages to {GoodClients} good clients");

            Assert.That(node.HasExited, Is.False, $"the node exited:{Environment.NewLine}{node.Log.Tail()}");
            Assert.That(stats["token.upgraded"], Is.Zero, "a forged, used or foreign token was accepted");

            // Every good client gets every message, exactly once.
            await Wait.UntilAsync(() => good.All(c => c.Count >= sent), Bound, "the good clients to receive every message");
            foreach (var client in good)
            {
                var missing = Enumerable.Range(0, sent).Where(i => !client.Seen(i)).Take(10).ToArray();
                Assert.That(missing, Is.Empty, $"{client.Id} missed messages (first: {string.Join(",", missing)}); closed: {client.Socket.Closed.IsCompleted}");
                Assert.That(client.Count, Is.EqualTo(sent), $"{client.Id} got duplicates");
            }

            // Memory: once the attackers' connections are gone, the node is back near where it was.
            await Wait.UntilAsync(async () => await ConnectionsAsync(node) <= GoodClients, Bound, "the attackers' connections to be closed");
            var rssAfter = await RssAfterGcAsync(node);
            await TestContext.Out.WriteLineAsync($"RSS before {rssBefore / 1024 / 1024} MB, after {rssAfter / 1024 / 1024} MB");
            Assert.That(rssAfter - rssBefore, Is.LessThan(RssGrowthBoundBytes), "RSS growth");
            Assert.That(await node.GetHealthAsync(), Is.EqualTo(HttpStatusCode.OK));
            _ = readers;

            // Hostile input is expected: it may be logged at debug or warning level, never as an error of the node.
            var errors = node.Log.All().Split('\n').Where(l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)).ToArray();
            Assert.That(errors, Is.Empty, "the node logged errors");
        }
        catch
        {
            await TestContext.Out.WriteLineAsync($"fuzz seed: {seed}; stats: {stats}{Environment.NewLine}node log:{Environment.NewLine}{node.Log.Tail(150)}");
            throw;
        }
        finally
        {
            foreach (var client in good) await client.Socket.DisposeAsync();
        }
    }

    /// <summary>Runs one kind of attack again and again, each attempt bounded, until the time is up.</summary>
    private static async Task AttackLoopAsync(string name, int seed, FuzzStats stats, CancellationToken stop, Func<Random, CancellationToken, Task> attack)
    {
        var rng = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(rng.Next(500, 3000)));
            try
            {
                await attack(rng, attempt.Token);
                stats.Count(name + ".done");
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException or HttpRequestException or ObjectDisposedException)
            {
                stats.Count(name + ".cut");
            }
        }
    }

    private static async Task FuzzFramesOnceAsync(ImServerProcess node, ImClient im, Random rng, FuzzStats stats, CancellationToken ct)
    {
        var url = await im.PrevConnectServerAsync($"fuzz-{rng.Next(1000)}", cancellationToken: ct);
        await using var ws = await RawWebSocket.ConnectTcpAsync(node.Port, ct);
        var status = await ws.HandshakeAsync(new Uri(url).PathAndQuery, node.Port, ct);
        if (status != 101)
        {
            stats.Count("frames.refused." + status);
            return;
        }
        await FrameFuzzer.RunAsync(ws, rng, stats, ct);
    }

    /// <summary>Random, malformed, used and foreign tokens: none may open a connection.</summary>
    private static async Task ForgedTokenOnceAsync(ImServerProcess node, IImBackplane backplane, Random rng, FuzzStats stats, CancellationToken ct)
    {
        string token;
        var kind = rng.Next(4);
        if (kind == 3)
        {
            // Valid, but issued for a node that is not this one.
            token = RandomToken(rng);
            await backplane.StoreTicketAsync(token, new ConnectTicket("foreign", null, "10.255.255.1:1", 0), TimeSpan.FromSeconds(5), ct);
        }
        else
        {
            token = kind switch { 0 => RandomToken(rng), 1 => Uri.EscapeDataString(RandomString(rng)), _ => new string('A', rng.Next(1, 600)) };
        }
        await using var ws = await RawWebSocket.ConnectTcpAsync(node.Port, ct);
        var status = await ws.HandshakeAsync("/ws?token=" + token, node.Port, ct);
        stats.Count(status == 101 ? "token.upgraded" : "token.refused." + status);
    }

    private static async Task PublishAsync(ImClient im, string chan, string[] ids, CancellationToken stop)
    {
        for (var seq = 0; !stop.IsCancellationRequested; seq++)
        {
            var message = new { seq };
            // Counted as sent only once ImHelper accepted it: the stop token is not passed to the send itself.
            if (seq % 2 == 0) await im.SendChanMessageAsync(null, chan, message);
            else await im.SendMessageAsync(null, ids, message);
            Interlocked.Exchange(ref _published, seq + 1);
            try
            {
                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static int _published;

    private static async Task<int> StopPublisherAsync(CancellationTokenSource stop, Task publisher)
    {
        await stop.CancelAsync();
        await publisher.WaitAsync(Bound);
        return Volatile.Read(ref _published);
    }

    /// <summary>Fails fast if the node dies mid-run, instead of letting every worker time out against a dead port.</summary>
    private static async Task WatchNodeAsync(ImServerProcess node, CancellationToken stop)
    {
        try
        {
            await node.Exited.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<int> ConnectionsAsync(ImServerProcess node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.HttpBase, "/health")));
        return doc.RootElement.GetProperty("connections").GetInt32();
    }

    /// <summary>The node's RSS right after a full, compacting collection that gives free memory back (POST /debug/gc).</summary>
    private static async Task<long> RssAfterGcAsync(ImServerProcess node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsync(new Uri(node.HttpBase, "/debug/gc"), null);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("rssBytes").GetInt64();
    }

    private static string RandomToken(Random rng)
    {
        var bytes = new byte[18];
        rng.NextBytes(bytes);
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    private static string RandomString(Random rng)
    {
        var chars = new char[rng.Next(1, 80)];
        for (var i = 0; i < chars.Length; i++) chars[i] = (char)rng.Next(1, 0xD7FF);
        return new string(chars);
    }

    /// <summary>A well-behaved client: records the seq of every message it receives.</summary>
    private sealed class GoodClient(string id, TestWebSocketClient socket)
    {
        private readonly HashSet<int> _seen = [];
        private int _count;

        public string Id { get; } = id;

        public TestWebSocketClient Socket { get; } = socket;

        public int Count => Volatile.Read(ref _count);

        public bool Seen(int seq)
        {
            lock (_seen) return _seen.Contains(seq);
        }

        public async Task ReadAsync()
        {
            var lastPing = Stopwatch.StartNew();
            while (!Socket.Closed.IsCompleted)
            {
                WsFrame frame;
                try
                {
                    frame = await Socket.ReceiveAsync(TimeSpan.FromSeconds(5));
                }
                catch (TimeoutException)
                {
                    continue;
                }
                catch (Exception) when (Socket.Closed.IsCompleted)
                {
                    return;
                }
                if (lastPing.Elapsed > TimeSpan.FromSeconds(10))
                {
                    // Stay clear of the idle timeout however long the run is.
                    await Socket.SendTextAsync("""{"type":"ping"}""");
                    lastPing.Restart();
                }
                if (frame.Type != "message") continue;
                var seq = frame.MessageData.GetProperty("seq").GetInt32();
                lock (_seen)
                {
                    if (!_seen.Add(seq)) continue;
                }
                Interlocked.Increment(ref _count);
            }
        }
    }
}
