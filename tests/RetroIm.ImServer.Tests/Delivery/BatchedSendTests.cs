using RetroIm.Im;
using RetroIm.Relay.Transport.Uring;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Delivery;

/// <summary>
/// <c>ImServer:BatchedSends</c>: a fan-out's frames reach the kernel through io_uring, many per system call. With it on
/// and off, a channel's members get every message once and in order, including a member whose socket is full for a
/// while (the kernel took part of a batched frame, or none: the rest waits in its queue, in order, and the batch does
/// not wait for it); the node's metrics say how many frames went in batches.
/// </summary>
[TestFixture]
public sealed class BatchedSendTests : ClusterTestBase
{
    // Small enough to go in a batch (FrameOutput.MaxLoneFrame), and 9 MB in all: more than the kernel's socket buffers hold.
    private const int PayloadChars = 8 * 1024;
    private const int Messages = 1100;

    [TestCase(true, TestName = "BatchedSendsOn_ChannelMembers_OneStopsReading_EveryoneGetsEveryMessageOnceInOrder")]
    [TestCase(false, TestName = "BatchedSendsOff_ChannelMembers_OneStopsReading_EveryoneGetsEveryMessageOnceInOrder")]
    public async Task ChannelMembers_OneStopsReading_EveryoneGetsEveryMessageOnceInOrder(bool batched)
    {
        var node = await Cluster.StartNodeAsync([$"--ImServer:SendQueueLimit={Messages * 2}", $"--ImServer:BatchedSends={batched}"]);
        try
        {
            var chan = NewId("batched");
            var paused = NewId("paused");
            var readers = Enumerable.Range(0, 3).Select(i => NewId($"reader{i}")).ToArray();
            await Cluster.Client.JoinChanAsync(chan, [paused, .. readers]);
            var pausedSocket = await ConnectToAsync(paused, node, options: new TestWebSocketOptions { StartReceiving = false, ReceiveBufferSize = 4096 });
            var readerSockets = new List<TestWebSocketClient>();
            foreach (var reader in readers) readerSockets.Add(await ConnectToAsync(reader, node));
            await Cluster.Presence.WaitForAsync(PresenceEvent.Online, paused, Bound);

            var payload = new string('b', PayloadChars);
            var readersGotAll = readerSockets.Select(socket => Task.Run(async () =>
            {
                for (var i = 0; i < Messages; i++)
                {
                    var frame = await socket.ExpectAsync("message", TimeSpan.FromSeconds(20));
                    Assert.That(frame.MessageData.GetProperty("seq").GetInt32(), Is.EqualTo(i), "in order, none lost, while another member's socket is full");
                }
            })).ToArray();
            for (var i = 0; i < Messages; i++) await Cluster.Client.SendChanMessageAsync(null, chan, new { seq = i, payload });
            await Task.WhenAll(readersGotAll).WaitAsync(TimeSpan.FromSeconds(60));

            // The paused member reads at last: what waited behind its full socket arrives whole, once, in order.
            pausedSocket.StartReceiving();
            await pausedSocket.ExpectAsync("welcome", TimeSpan.FromSeconds(5));
            var seqs = new List<int>();
            while (seqs.Count == 0 || seqs[^1] < Messages - 1)
            {
                var frame = await pausedSocket.ExpectAsync("message", TimeSpan.FromSeconds(20));
                seqs.Add(frame.MessageData.GetProperty("seq").GetInt32());
            }
            Assert.That(seqs[0], Is.LessThan(Messages / 3), "most messages went to the paused socket");
            Assert.That(seqs, Is.EqualTo(Enumerable.Range(seqs[0], Messages - seqs[0])), "every message once, in order");
            Assert.That(await Cluster.Client.HasOnlineAsync(paused), Is.True, "a reader that catches up within the limit is not dropped");

            var metrics = await ScrapeAsync(node);
            var inBatches = metrics.Types.ContainsKey("retroim_relay_batched_sends_total") ? metrics.Sum("retroim_relay_batched_sends_total") : 0;
            using var ring = UringSendRing.TryCreate(out var reason);
            if (!batched || ring is null)
            {
                Assert.That(inBatches, Is.Zero, "nothing is batched when batching is off or io_uring is missing");
                if (batched) Assert.Warn($"io_uring is missing here ({reason}): the node sent one frame per system call");
            }
            else
            {
                // A frame that would make its connection's share of a batch too large (a long burst of these 8 KB
                // frames, when the node fell behind) waits in the connection's queue and goes out with its next flush.
                Assert.That(inBatches, Is.GreaterThanOrEqualTo(Messages * readers.Length * 9 / 10), "the readers' frames went in batches");
                Assert.That(metrics.Sum("retroim_relay_send_batches_total"), Is.LessThan(inBatches), "more than one frame per system call");
            }
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    /// <summary>
    /// Messages for the same channel that reach the node together (published back to back, pipelined on one Redis
    /// connection) go to each member together: every member gets each of them once and in publish order, and with
    /// io_uring some go to the kernel in the same send as the message before them (the coalesced metric).
    /// </summary>
    [Test]
    public async Task ChannelBurst_MembersGetEveryMessageOnceInOrder_FramesOfTheBurstShareSends()
    {
        const int burst = 300;
        var node = await Cluster.StartNodeAsync([]);
        try
        {
            var chan = NewId("burst");
            var members = Enumerable.Range(0, 3).Select(i => NewId($"member{i}")).ToArray();
            await Cluster.Client.JoinChanAsync(chan, members);
            var sockets = new List<TestWebSocketClient>();
            foreach (var member in members) sockets.Add(await ConnectToAsync(member, node));
            foreach (var member in members) await Cluster.Presence.WaitForAsync(PresenceEvent.Online, member, Bound);

            var received = sockets.Select(socket => Task.Run(async () =>
            {
                var offsets = new List<long>();
                var seqs = new List<int>();
                for (var i = 0; i < burst; i++)
                {
                    var frame = await socket.ExpectAsync("message", Bound);
                    offsets.Add(frame.Json.GetProperty("pos").GetProperty("offset").GetInt64());
                    seqs.Add(frame.MessageData.GetProperty("seq").GetInt32());
                }
                return (Offsets: offsets, Seqs: seqs);
            })).ToArray();
            // Not awaited one by one: the sends are pipelined, so Redis publishes them back to back.
            await Task.WhenAll(Enumerable.Range(0, burst).Select(i => Cluster.Client.SendChanMessageAsync(null, chan, new { seq = i }))).WaitAsync(Bound);
            var results = await Task.WhenAll(received).WaitAsync(Bound);
            foreach (var (offsets, seqs) in results)
            {
                Assert.That(offsets, Is.Ordered.Ascending.And.Unique, "in publish order (the channel's offsets), none twice");
                Assert.That(seqs.Order(), Is.EqualTo(Enumerable.Range(0, burst)), "every message");
            }
            Assert.That(results.Select(r => r.Seqs), Is.All.EqualTo(results[0].Seqs), "every member in the same order");

            var metrics = await ScrapeAsync(node);
            using var ring = UringSendRing.TryCreate(out var reason);
            if (ring is null)
            {
                Assert.Warn($"io_uring is missing here ({reason}): nothing to coalesce into");
                return;
            }
            var coalesced = metrics.Types.ContainsKey("retroim_relay_coalesced_frames_total") ? metrics.Sum("retroim_relay_coalesced_frames_total") : 0;
            Assert.That(coalesced, Is.GreaterThan(0), "frames of the burst shared a send with the frame before them");
            Assert.That(coalesced, Is.LessThan(burst * members.Length), "the first frame of each send is not counted");
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    private static async Task<PrometheusText> ScrapeAsync(ImServerProcess node)
    {
        using var http = new HttpClient { Timeout = Bound };
        return PrometheusText.Parse(await http.GetStringAsync(new Uri(node.HttpBase, "/metrics")));
    }
}
