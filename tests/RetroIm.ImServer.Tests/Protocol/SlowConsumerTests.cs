using System.Diagnostics;
using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Protocol;

[TestFixture]
public sealed class SlowConsumerTests : ClusterTestBase
{
    private const int SendQueueLimit = 8;
    private const int Messages = 200;
    private const int PayloadChars = 60 * 1024;
    private const int Window = 4;

    // 60 KiB frames go out one send call each; 8 KiB frames go through the node's send batch (ImServer:BatchedSends),
    // which hands a full socket's rest to its queue. 12 MB either way: more than the kernel's socket buffers hold.
    [TestCase(PayloadChars, Messages, TestName = "SlowConsumer_NeverReads_IsClosedAndOthersOnTheNodeGetEverythingPromptly")]
    [TestCase(8 * 1024, 1500, TestName = "SlowConsumer_NeverReads_SmallFramesSentInBatches_IsClosedAndOthersGetEverythingPromptly")]
    public async Task SlowConsumer_NeverReads_IsClosedAndOthersOnTheNodeGetEverythingPromptly(int payloadChars, int messages)
    {
        var node = await Cluster.StartNodeAsync([$"--ImServer:SendQueueLimit={SendQueueLimit}"]);
        try
        {
            var slow = NewId("slow");
            var fast = NewId("fast");
            var bystander = NewId("bystander");
            // A tiny receive buffer and no reads: the node's socket buffers fill after a few frames.
            var slowSocket = await ConnectToAsync(slow, node, options: new TestWebSocketOptions { StartReceiving = false, ReceiveBufferSize = 4096 });
            var fastSocket = await ConnectToAsync(fast, node);
            var bystanderSocket = await ConnectToAsync(bystander, node);
            await Cluster.Presence.WaitForAsync(PresenceEvent.Online, slow, Bound);

            // The sender keeps at most Window messages ahead of the fast client, so the fast client never overflows
            // its own queue; if the node let the stuck client hold up the others, the sender would stall here.
            var payload = new string('p', payloadChars);
            using var window = new SemaphoreSlim(Window, Window);
            var clock = Stopwatch.StartNew();
            var fastGotAll = Task.Run(async () =>
            {
                for (var i = 0; i < messages; i++)
                {
                    var frame = await fastSocket.ExpectAsync("message", TimeSpan.FromSeconds(20));
                    Assert.That(frame.MessageData.GetProperty("seq").GetInt32(), Is.EqualTo(i), "in order, none lost");
                    window.Release();
                }
                return clock.Elapsed;
            });
            for (var i = 0; i < messages; i++)
            {
                var slot = window.WaitAsync(TimeSpan.FromSeconds(20));
                await Task.WhenAny(slot, fastGotAll);
                if (fastGotAll.IsFaulted) await fastGotAll; // the fast client's failure, at once
                if (!await slot)
                {
                    Assert.Fail($"the fast client was held up: message {i - Window} did not arrive within 20 s ({await DescribeAsync(fastGotAll)})");
                }
                await Cluster.Client.SendMessageAsync(null, [slow, fast], new { seq = i, payload });
            }
            var sentIn = clock.Elapsed;

            var fastTime = await fastGotAll;
            await Cluster.Client.SendMessageAsync(null, [bystander], new { text = "small one" });
            var small = await bystanderSocket.ExpectAsync("message", TimeSpan.FromSeconds(2));
            Assert.That(small.MessageData.GetProperty("text").GetString(), Is.EqualTo("small one"));

            var offline = await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, slow, TimeSpan.FromSeconds(15));
            await TestContext.Out.WriteLineAsync($"sent {messages}×{payloadChars / 1024} KiB in {sentIn.TotalSeconds:0.00} s; the fast client had all after {fastTime.TotalSeconds:0.00} s; slow client offline at {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.That(fastTime, Is.LessThan(TimeSpan.FromSeconds(15)), "the fast client was not held up by the slow one");
            Assert.That(offline.ClientId, Is.EqualTo(slow));
            Assert.That(await Cluster.Client.HasOnlineAsync(fast), Is.True, "only the slow client was dropped");

            // What the slow client finds when it finally reads: part of the stream, then the end of the connection.
            slowSocket.StartReceiving();
            var close = await slowSocket.WaitClosedAsync(TimeSpan.FromSeconds(15));
            await TestContext.Out.WriteLineAsync($"slow client read {slowSocket.ReceivedCount} frames, then {close}");
            Assert.That(slowSocket.ReceivedCount, Is.LessThan(messages + 1), "the slow client cannot have received everything");
            if (close.Status is { } status)
            {
                Assert.That(status, Is.AnyOf(ImCloseCodes.PolicyViolation, ImCloseCodes.TryAgainLater), close.ToString());
            }
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public async Task PausedReader_ResumesWithinTheQueueLimit_GetsEveryFrameInOrder_AndStaysConnected()
    {
        // 9 MB to a client that reads nothing: more than the kernel's socket buffers hold (at most 4 MB here), so frames wait in
        // the connection's queue (150 < the queue limit) and go out as the client drains them.
        const int Paused = 150;
        var node = await Cluster.StartNodeAsync([$"--ImServer:SendQueueLimit={Paused * 2}"]);
        try
        {
            var reader = NewId("paused");
            var socket = await ConnectToAsync(reader, node, options: new TestWebSocketOptions { StartReceiving = false, ReceiveBufferSize = 4096 });
            await Cluster.Presence.WaitForAsync(PresenceEvent.Online, reader, Bound);
            var payload = new string('p', PayloadChars);
            for (var i = 0; i < Paused; i++) await Cluster.Client.SendMessageAsync(null, [reader], new { seq = i, payload });
            // A small frame queues behind the big ones.
            await Cluster.Client.SendMessageAsync(null, [reader], new { seq = Paused, payload = "last" });

            socket.StartReceiving();
            // Messages appended before the welcome read the stream's position are behind the connection (the welcome
            // says so); seq i has offset i + 1 in the fresh client's stream. Everything after it must arrive.
            var welcome = await socket.ExpectAsync("welcome", TimeSpan.FromSeconds(5));
            var from = (int)welcome.Json.GetProperty("streams")[0].GetProperty("offset").GetInt64();
            Assert.That(from, Is.LessThan(Paused / 3), "most messages went to the paused socket");
            for (var i = from; i <= Paused; i++)
            {
                var frame = await socket.ExpectAsync("message", TimeSpan.FromSeconds(20));
                Assert.That(frame.MessageData.GetProperty("seq").GetInt32(), Is.EqualTo(i), "in order, none lost");
            }
            Assert.That(await Cluster.Client.HasOnlineAsync(reader), Is.True, "a reader that catches up within the limit is not dropped");
            await Cluster.Client.SendMessageAsync(null, [reader], new { seq = -1, payload = "after" });
            var after = await socket.ExpectAsync("message", TimeSpan.FromSeconds(5));
            Assert.That(after.MessageData.GetProperty("seq").GetInt32(), Is.EqualTo(-1), "frames are written at once again");
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public async Task PausedReader_FramesFromTheDispatcherAndItsOwnPingsAtOnce_EveryFrameOnceAndInOrder()
    {
        // Two writers race for one socket the kernel pushes back on: the node's dispatcher (the business's messages) and
        // the connection's receive loop (pongs to the client's pings). Whoever holds the socket writes what the other
        // queued; nothing may be stranded, lost, doubled or reordered.
        const int Messages = 120, Pings = 100;
        var node = await Cluster.StartNodeAsync([$"--ImServer:SendQueueLimit={(Messages + Pings) * 2}"]);
        try
        {
            var reader = NewId("racing");
            var socket = await ConnectToAsync(reader, node, options: new TestWebSocketOptions { StartReceiving = false, ReceiveBufferSize = 4096 });
            await Cluster.Presence.WaitForAsync(PresenceEvent.Online, reader, Bound);
            var payload = new string('p', PayloadChars);
            var business = Task.Run(async () =>
            {
                for (var i = 0; i < Messages; i++) await Cluster.Client.SendMessageAsync(null, [reader], new { seq = i, payload });
            });
            for (var i = 0; i < Pings; i++) await socket.SendTextAsync("""{"type":"ping"}""");
            await business.WaitAsync(TimeSpan.FromSeconds(30));

            socket.StartReceiving();
            var welcome = await socket.ExpectAsync("welcome", TimeSpan.FromSeconds(5));
            var from = (int)welcome.Json.GetProperty("streams")[0].GetProperty("offset").GetInt64();
            var seqs = new List<int>();
            var pongs = 0;
            while (seqs.Count < Messages - from || pongs < Pings)
            {
                var frame = await socket.ReceiveAsync(TimeSpan.FromSeconds(20));
                if (frame.Type == "pong") pongs++;
                else if (frame.Type == "message") seqs.Add(frame.MessageData.GetProperty("seq").GetInt32());
                else Assert.Fail($"unexpected frame {frame.Type}");
            }
            Assert.Multiple(() =>
            {
                Assert.That(seqs, Is.EqualTo(Enumerable.Range(from, Messages - from)), "every message after the welcome once, in order");
                Assert.That(pongs, Is.EqualTo(Pings), "every ping answered once");
            });
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    private static async Task<string> DescribeAsync(Task<TimeSpan> reader)
    {
        if (!reader.IsCompleted) return "its reader is still waiting";
        try
        {
            await reader;
            return "its reader finished";
        }
        catch (Exception e)
        {
            return "its reader failed: " + e.Message;
        }
    }
}
