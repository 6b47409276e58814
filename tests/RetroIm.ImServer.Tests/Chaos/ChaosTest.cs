using System.Diagnostics;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Chaos;

/// <summary>
/// Issue 4's chaos test: three nodes, 300 clients in six channels plus direct messages, ImHelper publishing for 60 s
/// while one node is killed -9 and restarted, Redis (AOF, appendfsync always) is restarted once, and random client
/// sockets are dropped. Every message ImHelper accepted must reach every client it was addressed to exactly once, in
/// order, or the client must have been told <c>recover_failed</c> for that stream.
/// </summary>
[TestFixture]
[Explicit("needs recovery (issue 4)")]
public sealed class ChaosTest
{
    private const int ClientCount = 300;
    private const int ChannelCount = 6;
    private static readonly TimeSpan PublishFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(25);

    [Test]
    [CancelAfter(150_000)]
    public async Task Chaos_KillsRestartsAndDrops_EveryAcceptedMessageArrivesOnceInOrder()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        var nodes = new List<ImServerProcess>();
        await using var backplane = new RedisBackplane(RedisOptions.Parse(redis.ConnectionString));
        await using var im = new ImClient(backplane);
        var clients = new List<ChaosClient>();
        var log = new List<string>();
        try
        {
            for (var i = 0; i < 3; i++) nodes.Add(await ImServerProcess.StartAsync(redis.Port));
            await Wait.UntilAsync(async () => (await im.GetNodesAsync()).Count == 3, TimeSpan.FromSeconds(15), "three nodes");

            var chans = Enumerable.Range(0, ChannelCount).Select(c => $"chaos{c}").ToArray();
            for (var i = 0; i < ClientCount; i++)
            {
                var client = new ChaosClient(im, $"chaos-{i:D3}");
                clients.Add(client);
                await im.JoinChanAsync(chans[i % ChannelCount], client.Id);
            }
            foreach (var client in clients) client.Start();
            await Wait.UntilAsync(() => clients.All(c => c.Open), TimeSpan.FromSeconds(30), "every client connected", TimeSpan.FromMilliseconds(100));

            // What each client must get, in acceptance order; a send counts only once ImHelper accepted it.
            var expected = clients.ToDictionary(c => c.Id, _ => new List<string>(), StringComparer.Ordinal);
            var members = clients.GroupBy(c => chans[clients.IndexOf(c) % ChannelCount]).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToArray());
            long sent = 0, refused = 0, seq = 0;
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(PublishFor);
            var publishing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = ++seq;
                    var chan = n % 3 == 0 ? chans[(int)(n / 3 % ChannelCount)] : null;
                    var to = clients[Random.Shared.Next(ClientCount)].Id;
                    var key = (chan is null ? "d" : "c") + ":" + n;
                    try
                    {
                        if (chan is null) await im.SendMessageAsync(null, [to], new { k = "d", s = n });
                        else await im.SendChanMessageAsync(null, chan, new { k = "c", s = n });
                        lock (expected)
                        {
                            foreach (var id in chan is null ? new[] { to } : members[chan]) expected[id].Add(key);
                        }
                        sent++;
                    }
                    catch (RedisException)
                    {
                        refused++;
                    }
                    await Task.Delay(10);
                }
            });

            var faults = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                var victim = nodes[1];
                var killedAt = clock.Elapsed;
                victim.Kill();
                await Wait.UntilAsync(() => clients.All(c => c.Open), TimeSpan.FromSeconds(30), "clients back after the kill", TimeSpan.FromMilliseconds(50));
                lock (log) log.Add($"kill -9 node at {killedAt.TotalSeconds:0.0}s: every client open again after {(clock.Elapsed - killedAt).TotalSeconds:0.00}s");
                nodes[1] = await ImServerProcess.StartAsync(redis.Port);

                await Task.Delay(TimeSpan.FromSeconds(10));
                var restartedAt = clock.Elapsed;
                await redis.RestartAsync();
                await Wait.UntilAsync(async () => { await im.GetNodesAsync(); return true; }, TimeSpan.FromSeconds(30), "ImHelper accepting again");
                var accepting = clock.Elapsed;
                await Wait.UntilAsync(() => clients.All(c => c.Open), TimeSpan.FromSeconds(30), "clients after the Redis restart", TimeSpan.FromMilliseconds(50));
                lock (log) log.Add($"redis restart at {restartedAt.TotalSeconds:0.0}s: ImHelper accepting after {(accepting - restartedAt).TotalSeconds:0.00}s, every client open after {(clock.Elapsed - restartedAt).TotalSeconds:0.00}s");
            });

            var drops = Task.Run(async () =>
            {
                var dropped = 0;
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(2000);
                    for (var i = 0; i < 5; i++) clients[Random.Shared.Next(ClientCount)].Drop();
                    dropped += 5;
                }
                lock (log) log.Add($"dropped {dropped} random client sockets");
            });

            await Task.WhenAll(publishing, faults, drops);
            var settleStart = clock.Elapsed;
            await Wait.UntilAsync(() => clients.All(c => c.Open) && clients.All(c => DateTime.UtcNow - c.LastReceiveUtc > TimeSpan.FromSeconds(3)), Settle, "the cluster to settle", TimeSpan.FromMilliseconds(200));
            log.Add($"settled {(clock.Elapsed - settleStart).TotalSeconds:0.0}s after publishing stopped; {refused} sends refused while Redis was down");

            long delivered = 0, duplicated = 0, lost = 0, outOfOrder = 0;
            foreach (var client in clients)
            {
                var want = expected[client.Id];
                var got = client.Received;
                var counts = got.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
                var wanted = want.ToHashSet();
                foreach (var key in want)
                {
                    if (counts.TryGetValue(key, out var count))
                    {
                        delivered++;
                        duplicated += count - 1;
                    }
                    else if (client.RecoverFailed == 0)
                    {
                        // A client told recover_failed refetches state: its gap is reported, not counted as loss.
                        lost++;
                    }
                }
                // In order: the accepted messages appear in the same relative order as they were accepted.
                var order = got.Where(wanted.Contains).Distinct().ToList();
                var position = want.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
                for (var i = 1; i < order.Count; i++) if (position[order[i]] < position[order[i - 1]]) outOfOrder++;
            }
            var line = $"chaos: sent={sent} delivered={delivered} duplicated={duplicated} lost={lost} recovered={clients.Sum(c => c.Recovered)} recover_failed={clients.Sum(c => c.RecoverFailed)}";
            await TestContext.Out.WriteLineAsync(line);
            foreach (var entry in log) await TestContext.Out.WriteLineAsync("chaos: " + entry);
            Assert.That((duplicated, lost, outOfOrder), Is.EqualTo((0L, 0L, 0L)), line + $" out_of_order={outOfOrder}");
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }
}
