using System.Text;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// <see cref="RedisBackplane.PublishMessageToClientsAsync"/>'s group commit on a real redis-server of its own:
/// <c>CLIENT PAUSE … WRITE</c> holds the batch in flight (Redis has it but does not run it), so what queues behind it
/// is deterministic without sleeps.
/// </summary>
[TestFixture]
public sealed class RedisDirectSendTests : RedisBackplaneFixture
{
    private static readonly TimeSpan Timeout = BackplaneConformanceTests.Timeout;
    private static readonly StreamRetention Keep = new(1000, TimeSpan.FromMinutes(1));
    private bool _paused;

    protected override async Task BeforeDisposeAsync()
    {
        if (_paused) await UnpauseAsync();
    }

    [Test]
    public async Task ConcurrentSends_WhileOneInFlight_GoOutAsOneBatchAndEachGetsItsOwnResult()
    {
        var recorder = await TopicRecorder.StartAsync(Backplane, ImTopics.Node("n1"), ImTopics.Node("n2"));
        for (var i = 0; i < 10; i++) await Backplane.AddConnectionAsync(new ConnectionRegistration(i % 2 == 0 ? "n1" : "n2", "on" + i, "c" + i, null));
        // Message k goes to on{k % 10} (online on n1 or n2) and off{k} (offline); every third also to on{(k+1) % 10}.
        string[] To(int k) => k % 3 == 0 ? ["on" + (k % 10), "off" + k, "on" + ((k + 1) % 10)] : ["on" + (k % 10), "off" + k];
        var before = Backplane.DirectSendBatches;
        await PauseAsync();

        var first = Send(["solo"], "first");
        var sends = Enumerable.Range(0, 40).Select(k => Send(To(k), "m" + k)).ToArray();
        await UnpauseAsync();
        var results = await Task.WhenAll(sends).WaitAsync(Timeout);

        Assert.That((await first.WaitAsync(Timeout)).OfflineClientIds, Is.EqualTo(new[] { "solo" }));
        Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(2), "the first alone, the 40 queued behind it together");
        Assert.Multiple(() =>
        {
            for (var k = 0; k < 40; k++)
            {
                var to = To(k);
                var nodes = to.Where(c => c.StartsWith("on", StringComparison.Ordinal)).Select(c => int.Parse(c[2..]) % 2 == 0 ? "n1" : "n2").Distinct().Order(StringComparer.Ordinal);
                Assert.That(results[k].NodeIds, Is.EqualTo(nodes), "nodes of message " + k);
                Assert.That(results[k].OfflineClientIds, Is.EqualTo(new[] { "off" + k }), "offline of message " + k);
            }
        });
        var packets = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1"))).Concat(await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n2"))).ToList();
        Assert.That(packets, Has.Count.EqualTo(Enumerable.Range(0, 40).Sum(k => results[k].NodeIds.Count)), "one publish per (message, node)");
        foreach (var packet in packets)
        {
            Assert.That(RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out var body), Is.True, packet);
            var k = int.Parse(header!.Id![1..]);
            Assert.That(header.To, Is.EqualTo(To(k)), packet);
            Assert.That(header.Offsets, Has.Count.EqualTo(header.To!.Count), packet);
            Assert.That(body.ToArray(), Is.EqualTo(Frame("m" + k)), packet);
            for (var j = 0; j < header.To!.Count; j++)
            {
                var read = await Backplane.ReadStreamAsync(ImStreams.Client(header.To[j]), header.Epochs![j], header.Offsets![j] - 1);
                Assert.That(read.Entries.Select(e => (e.Offset, Text(e.Frame))).First(), Is.EqualTo((header.Offsets[j], Text(Frame("m" + k)))), $"{header.To[j]} in {packet}");
            }
        }
    }

    [Test]
    public async Task ManySendsToOneClient_QueuedInSeveralBatches_KeepCallOrder()
    {
        var before = Backplane.DirectSendBatches;
        await PauseAsync();

        var sends = Enumerable.Range(1, 101).Select(i => Send(["a"], "m" + i)).ToArray();
        await UnpauseAsync();
        await Task.WhenAll(sends).WaitAsync(Timeout);
        var position = (await Backplane.GetStreamPositionsAsync([ImStreams.Client("a")]))[0];
        var read = await Backplane.ReadStreamAsync(ImStreams.Client("a"), position.Epoch, 0);

        Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(3), "1 in flight, then 64 (the cap), then 36");
        Assert.That(read.Status, Is.EqualTo(StreamReadStatus.Ok));
        Assert.That(read.Entries.Select(e => (e.Offset, Text(e.Frame))), Is.EqualTo(Enumerable.Range(1, 101).Select(i => ((long)i, Text(Frame("m" + i))))));
    }

    [Test]
    public async Task HeavyLoad_UpToFourCallsInFlight_NoMore_AndCallOrderHolds()
    {
        await Send(["warm"], "warm");
        var before = Backplane.DirectSendBatches;
        await PauseAsync();
        var first = Send(["a"], "m0");
        await WaitUntilRedisHoldsOurBatchAsync();
        // Five full batches wait behind the first: when it returns, four go at once (each with a full one behind it),
        // and the fifth only when one of those returns.
        var sends = Enumerable.Range(1, 5 * DirectSendBatcher.MaxMessages).Select(i => Send(["a"], "m" + i)).ToArray();
        await UnpauseAsync();
        await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        var a = await ReadAllAsync("a");
        Assert.That(a.Select(e => e.Text), Is.EqualTo(Enumerable.Range(0, sends.Length + 1).Select(i => Text(Frame("m" + i)))), "call order");
        Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(6));
        Assert.That(Backplane.DirectSendDeepest, Is.EqualTo(DirectSendBatcher.MaxInFlight).And.EqualTo(4));
    }

    [Test]
    public async Task QueueMetrics_SendsBehindABatchInFlight_CountedWhileQueued_AndEachWaitRecordedOnce()
    {
        using var metrics = new ImMetricsRecorder();
        await PauseAsync();
        var call = System.Diagnostics.Stopwatch.StartNew();
        var first = Send(["a"], "m0");
        // Nothing in flight: its batch went out inside the call, so its wait was recorded there.
        var firstCall = call.Elapsed.TotalSeconds;
        await WaitUntilRedisHoldsOurBatchAsync();
        var sends = Enumerable.Range(1, 10).Select(i => Send(["a"], "m" + i)).ToArray();
        var queued = System.Diagnostics.Stopwatch.StartNew();
        var whileHeld = metrics.Queued();
        // None of the ten can go before the held batch returns, i.e. before the unpause: each waits at least this long.
        var heldFor = queued.Elapsed.TotalSeconds;
        await UnpauseAsync();
        await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        Assert.That(whileHeld, Is.EqualTo(10), "the ten behind the batch in flight");
        Assert.That(metrics.Queued(), Is.EqualTo(0), "none left once all were sent");
        var waits = metrics.Waits.OrderBy(w => w).ToList();
        Assert.That(waits, Has.Count.EqualTo(11), "one wait per message, the first's included");
        Assert.That(waits[0], Is.LessThanOrEqualTo(firstCall), "the first went at once");
        Assert.That(waits.Skip(1), Has.All.GreaterThanOrEqualTo(heldFor), "the ten waited for the held batch");
    }

    [Test]
    public async Task QueueMetrics_CancelledWhileQueued_LeavesTheCountAndRecordsNoWait()
    {
        using var metrics = new ImMetricsRecorder();
        await PauseAsync();
        var first = Send(["a"], "m0");
        await WaitUntilRedisHoldsOurBatchAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = Send(["a"], "gone", cancel.Token);
        var kept = Send(["a"], "m1");
        Assert.That(metrics.Queued(), Is.EqualTo(2));
        await cancel.CancelAsync();
        await UnpauseAsync();
        await Task.WhenAll(first, kept).WaitAsync(Timeout);

        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(metrics.Queued(), Is.EqualTo(0), "the cancelled one left the queue too");
        Assert.That(metrics.Waits, Has.Count.EqualTo(2), "m0 and m1; the cancelled one never went");
    }

    [Test]
    public async Task KeptAndNotKept_QueuedTogether_GoInSeparateCalls_InCallOrder()
    {
        var recorder = await RecordWithAOnN1Async(ImTopics.Node("n1"));
        var before = Backplane.DirectSendBatches;
        await PauseAsync();
        var first = Send(["a"], "m0");
        await WaitUntilRedisHoldsOurBatchAsync();
        // Behind it: two kept, two not kept, two kept. A call has one retention, so they go as three calls.
        var sends = Enumerable.Range(1, 6).Select(i => Send(["a"], "m" + i, retention: i is 3 or 4 ? StreamRetention.None : null)).ToArray();
        await UnpauseAsync();
        await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        var packets = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1"))).Select(packet =>
        {
            Assert.That(RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out _), Is.True, packet);
            return (header!.Id, Offset: header.Offsets?[0]);
        }).ToList();
        var a = await ReadAllAsync("a");
        Assert.Multiple(() =>
        {
            Assert.That(packets, Is.EqualTo(new (string?, long?)[] { ("m0", 1), ("m1", 2), ("m2", 3), ("m3", null), ("m4", null), ("m5", 4), ("m6", 5) }));
            Assert.That(a.Select(e => e.Text), Is.EqualTo(new[] { 0, 1, 2, 5, 6 }.Select(i => Text(Frame("m" + i)))));
            Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(4), "m0, then m1–m2, m3–m4, m5–m6");
        });
    }

    [Test]
    public async Task HeavyLoad_PipelinesAFullBatchBehindTheOneInFlight_AndCallOrderHoldsThroughAScriptFlush()
    {
        await Send(["warm"], "warm");
        var before = Backplane.DirectSendBatches;
        var pipelinedBefore = Backplane.DirectSendPipelined;
        await PauseAsync();
        var first = Send(["a"], "m0");
        await WaitUntilRedisHoldsOurBatchAsync();
        var sends = Enumerable.Range(1, 200).Select(i => Send(["a"], "m" + i)).ToArray();
        // Redis forgets the script while the first call (by SHA1) waits: it is answered NOSCRIPT and retried with the
        // source. Nothing may have been pipelined behind it, or that would run first.
        await Raw.ExecuteAsync("SCRIPT", "FLUSH");
        await UnpauseAsync();
        await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        var a = await ReadAllAsync("a");
        Assert.That(a.Select(e => e.Text), Is.EqualTo(Enumerable.Range(0, 201).Select(i => Text(Frame("m" + i)))), "call order");
        Assert.That(a.Select(e => e.Offset), Is.EqualTo(Enumerable.Range(1, 201).Select(i => (long)i)));
        // 1 alone, then 200 queued: 64 + 64 + 64 + 8, of which at least one went while another was in flight.
        Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(5));
        Assert.That(Backplane.DirectSendPipelined - pipelinedBefore, Is.InRange(1, 3));
    }

    [Test]
    public async Task NodeListeningOnItsBatchTopic_GetsOnePublishPerCall_InCallOrder_AnOlderNodeGetsEachPacket([Values] bool kept)
    {
        // Not kept, ImHelper makes each batch entry itself and the script takes another path: both must give the same.
        var retention = kept ? Keep : StreamRetention.None;
        // n1 listens on its batch topic (a current node); n2 only on its inbox (a node older than batches).
        var recorder = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeBatch("n1"), ImTopics.Node("n1"), ImTopics.Node("n2"));
        for (var i = 0; i < 4; i++) await Backplane.AddConnectionAsync(new ConnectionRegistration(i % 2 == 0 ? "n1" : "n2", "on" + i, "c" + i, null));
        var before = Backplane.DirectSendBatches;
        await PauseAsync();
        var first = Send(["on0"], "first", retention: retention);
        await WaitUntilRedisHoldsOurBatchAsync();
        // Queued behind the first: one script call. Message k goes to on{k % 4}; every third also to on{(k + 1) % 4}.
        string[] To(int k) => k % 3 == 0 ? ["on" + (k % 4), "on" + ((k + 1) % 4)] : ["on" + (k % 4)];
        var sends = Enumerable.Range(0, 20).Select(k => Send(To(k), "m" + k, retention: retention)).ToArray();
        await UnpauseAsync();
        await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);
        Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(2));

        var batches = await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.NodeBatch("n1"));
        Assert.That(await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1")), Is.Empty, "n1 gets its direct messages only in batches");
        Assert.That(batches, Has.Count.EqualTo(2), "one publish per script call");
        var n1 = batches.SelectMany(Packets).ToList();
        var n2 = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n2"))).ToList();
        bool Holds(int k, int node) => To(k).Any(c => int.Parse(c[2..]) % 2 == node);
        Assert.That(n1.Select(Id), Is.EqualTo(new[] { "first" }.Concat(Enumerable.Range(0, 20).Where(k => Holds(k, 0)).Select(k => "m" + k))), "every packet for n1, in call order");
        Assert.That(n2.Select(Id), Is.EqualTo(Enumerable.Range(0, 20).Where(k => Holds(k, 1)).Select(k => "m" + k)), "one packet per publish for the older node, in call order");
        foreach (var packet in n1.Concat(n2))
        {
            Assert.That(RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out var body), Is.True, packet);
            Assert.That(Text(body.ToArray()), Is.EqualTo(Text(Frame(header!.Id!))), packet);
            Assert.That(header.Offsets is not null, Is.EqualTo(kept), "positions only on a kept message: " + packet);
        }
    }

    [Test]
    public async Task HeavyLoad_KeptAndNotKeptFullBatchesInterleaved_PipelinedUpToFour_TheNodeGetsEveryPacketInCallOrder()
    {
        // Not kept, a batch publishes only after its lookups return; a kept batch behind it must wait for that, while
        // lookups of a later batch not kept may go ahead.
        var recorder = await RecordWithAOnN1Async(ImTopics.NodeBatch("n1"));
        var before = Backplane.DirectSendBatches;
        var pipelinedBefore = Backplane.DirectSendPipelined;
        await PauseAsync();
        var first = Send(["a"], "m0");
        await WaitUntilRedisHoldsOurBatchAsync();
        // Full batches behind it: not kept, kept, not kept, kept, not kept, not kept.
        const int Full = DirectSendBatcher.MaxMessages;
        static bool Kept(int i) => (i - 1) / Full is 1 or 3;
        var sends = Enumerable.Range(1, 6 * Full).Select(i => Send(["a"], "m" + i, retention: Kept(i) ? null : StreamRetention.None)).ToArray();
        await UnpauseAsync();
        var results = await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        var packets = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.NodeBatch("n1"))).SelectMany(Packets).Select(packet =>
        {
            Assert.That(RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out var body), Is.True, packet);
            Assert.That(Text(body.ToArray()), Is.EqualTo(Text(Frame(header!.Id!))), packet);
            return (header.Id, Offset: header.Offsets?[0]);
        }).ToList();
        var offset = 1L;
        var expected = Enumerable.Range(0, 6 * Full + 1).Select(i => ("m" + i, i == 0 || Kept(i) ? offset++ : (long?)null)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(packets, Is.EqualTo(expected), "every packet once, in call order; positions only on the kept ones");
            Assert.That(results.Select(r => r.NodeIds.Single()), Has.All.EqualTo("n1"));
            Assert.That(Backplane.DirectSendBatches - before, Is.EqualTo(7));
            Assert.That(Backplane.DirectSendPipelined - pipelinedBefore, Is.GreaterThanOrEqualTo(1));
        });
    }

    [Test]
    public async Task NotKept_AClientOnTwoNodesAndOneOffline_EachNodeGetsOneEntryPerMessage_TheResultSaysWhere()
    {
        var recorder = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeBatch("n1"), ImTopics.NodeBatch("n2"));
        await Backplane.AddConnectionAsync(new ConnectionRegistration("n1", "both", "c1", null));
        await Backplane.AddConnectionAsync(new ConnectionRegistration("n2", "both", "c2", null));
        await Backplane.AddConnectionAsync(new ConnectionRegistration("n2", "two", "c3", null));
        await PauseAsync();
        var first = Send(["two"], "first", retention: StreamRetention.None);
        await WaitUntilRedisHoldsOurBatchAsync();
        // One batch: a receiver twice in a message is not possible (distinct), but across messages it repeats.
        var sends = new[]
        {
            Send(["both", "gone"], "x1", retention: StreamRetention.None),
            Send(["two", "both"], "x2", retention: StreamRetention.None),
            Send(["gone"], "x3", retention: StreamRetention.None),
        };
        await UnpauseAsync();
        var results = await Task.WhenAll(sends.Prepend(first)).WaitAsync(Timeout);

        var n1 = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.NodeBatch("n1"))).SelectMany(Packets).Select(Id);
        var n2 = (await recorder.ReadUntilMarkerAsync(Backplane, ImTopics.NodeBatch("n2"))).SelectMany(Packets).Select(Id);

        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => string.Join(",", r.NodeIds)), Is.EqualTo(new[] { "n2", "n1,n2", "n1,n2", "" }));
            Assert.That(results.Select(r => string.Join(",", r.OfflineClientIds)), Is.EqualTo(new[] { "", "gone", "", "gone" }));
            Assert.That(n1, Is.EqualTo(new[] { "x1", "x2" }));
            Assert.That(n2, Is.EqualTo(new[] { "first", "x1", "x2" }));
        });
    }

    /// <summary>Records <paramref name="topic"/>, puts client "a" on n1, and loads the script (a kept send to another client).</summary>
    private async Task<TopicRecorder> RecordWithAOnN1Async(string topic)
    {
        var recorder = await TopicRecorder.StartAsync(Backplane, topic);
        await Backplane.AddConnectionAsync(new ConnectionRegistration("n1", "a", "c1", null));
        await Send(["warm"], "warm");
        return recorder;
    }

    private static List<string> Packets(string batch)
    {
        var packets = new List<string>();
        Assert.That(RelayBatch.TryForEach(Encoding.UTF8.GetBytes(batch), packets, static (list, p) => list.Add(Encoding.UTF8.GetString(p.Span))), Is.True, batch);
        return packets;
    }

    private static string Id(string packet) => RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out _) ? header!.Id! : "?";

    [Test]
    public async Task BackplaneDisposed_WithBatchInFlightAndManyQueued_EveryCallerFails_NoneHangs()
    {
        await PauseAsync();
        var first = Send(["a"], "first");
        await WaitUntilRedisHoldsOurBatchAsync();
        var queued = Enumerable.Range(0, 1000).Select(i => Send(["a"], "q" + i)).ToArray();

        // The batch in flight fails, and every batch after it fails at once (the client is disposed).
        await Backplane.DisposeAsync();
        var all = queued.Prepend(first).ToArray();
        await Task.WhenAll(all).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Timeout);

        Assert.That(all.Select(t => t.Exception?.InnerException?.GetType()), Has.All.EqualTo(typeof(ObjectDisposedException)));
        await UnpauseAsync();
        Assert.That(await ReadAllAsync("a"), Is.Empty, "nothing ran");
    }

    [Test]
    public async Task ConnectionLost_WithBatchInFlight_FaultsItsCallersAndTheQueuedBatchGoesOutOnce()
    {
        await PauseAsync();
        var lost = Send(["a"], "lost");
        await WaitUntilRedisHoldsOurBatchAsync();
        var queued = Enumerable.Range(1, 5).Select(i => Send(["b" + i, "a"], "kept" + i)).ToArray();

        // Kills our connection with the paused script on it: Redis drops the script unrun.
        await Raw.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        var error = Assert.ThrowsAsync<RedisConnectionException>(async () => await lost.WaitAsync(Timeout));
        Assert.That(queued.Select(t => t.IsCompleted), Has.All.False, "the queued batch waits for Redis (paused) on a new connection");
        await UnpauseAsync();
        await Task.WhenAll(queued).WaitAsync(Timeout);

        Assert.That(error!.Message, Does.StartWith("The connection to Redis at"), "says it may have run, so ImClient does not retry it");
        var a = await ReadAllAsync("a");
        Assert.That(a.Select(e => e.Text), Is.EqualTo(Enumerable.Range(1, 5).Select(i => Text(Frame("kept" + i)))), "each queued message once, in order; the lost one never ran");
        Assert.That(a.Select(e => e.Offset), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        for (var i = 1; i <= 5; i++) Assert.That((await ReadAllAsync("b" + i)).Select(e => e.Text), Is.EqualTo(new[] { Text(Frame("kept" + i)) }));
    }

    [Test]
    public async Task Cancel_QueuedSendNeverGoesOut_InFlightSendStillDoes_OthersUnaffected()
    {
        await PauseAsync();
        using var inFlightCts = new CancellationTokenSource();
        using var queuedCts = new CancellationTokenSource();
        var inFlight = Send(["a"], "in-flight", inFlightCts.Token);
        var queued = Send(["b"], "queued", queuedCts.Token);
        var other = Send(["c"], "other");

        await queuedCts.CancelAsync();
        await inFlightCts.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(async () => await queued.WaitAsync(Timeout));
        Assert.CatchAsync<OperationCanceledException>(async () => await inFlight.WaitAsync(Timeout));
        Assert.That(other.IsCompleted, Is.False, "still paused");
        await UnpauseAsync();
        await other.WaitAsync(Timeout);

        Assert.That((await ReadAllAsync("a")).Select(e => e.Text), Is.EqualTo(new[] { Text(Frame("in-flight")) }), "handed to Redis before the cancel");
        Assert.That(await ReadAllAsync("b"), Is.Empty, "cancelled while queued: never sent");
        Assert.That((await ReadAllAsync("c")).Select(e => e.Text), Is.EqualTo(new[] { Text(Frame("other")) }));
        Assert.CatchAsync<OperationCanceledException>(async () => await Send(["d"], "x", new CancellationToken(canceled: true)));
        Assert.That(await ReadAllAsync("d"), Is.Empty);
    }

    [Test]
    public async Task MessageTheScriptRejects_FaultsOnlyItsCaller([Values] bool kept)
    {
        // Kept, the append fails first (its sequence); not kept, the presence lookup (the client's hash).
        await Raw.ExecuteAsync("SET", Prefix + "im:seq:c:bad", "not a hash");
        await Raw.ExecuteAsync("SET", Prefix + "im:client:bad", "not a hash");
        var retention = kept ? Keep : StreamRetention.None;
        await PauseAsync();

        var first = Send(["ok0"], "ok0", retention: retention);
        var ok1 = Send(["ok1"], "ok1", retention: retention);
        var bad = Send(["bad"], "bad", retention: retention);
        var badOfTwo = Send(["ok3", "bad"], "bad2", retention: retention);
        var ok2 = Send(["ok2"], "ok2", retention: retention);
        await UnpauseAsync();

        foreach (var rejected in new[] { bad, badOfTwo })
        {
            var error = Assert.ThrowsAsync<RedisServerException>(async () => await rejected.WaitAsync(Timeout));
            Assert.That(error!.ErrorCode, Is.EqualTo("WRONGTYPE"));
        }
        // The results behind the rejected ones are still their own (the reply is read past each error).
        Assert.That((await ok2.WaitAsync(Timeout)).OfflineClientIds, Is.EqualTo(new[] { "ok2" }));
        Assert.That((await ok1.WaitAsync(Timeout)).OfflineClientIds, Is.EqualTo(new[] { "ok1" }));
        await first.WaitAsync(Timeout);
        foreach (var client in new[] { "ok0", "ok1", "ok2" })
        {
            Assert.That((await ReadAllAsync(client)).Select(e => e.Text), Is.EqualTo(kept ? new[] { Text(Frame(client)) } : []));
        }
    }

    // ---- the append's maintenance (expiry refresh, age trim) runs only when due, and every guarantee holds ----

    [Test]
    public async Task Append_NewSequence_MaintainsAndSetsTtlsPastTheRetention()
    {
        await Send(["a"], "m1");

        var seq = await HashAsync("im:seq:c:a");
        Assert.That((seq["s"], seq["a"], seq["n"], seq["t"]), Is.EqualTo(("1", "1", "1000", "60000")));
        Assert.That(long.Parse(seq["m"]), Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Within(60_000), "Redis ms of the maintenance");
        Assert.That(await PttlAsync("im:seq:c:a"), Is.InRange(86_400_000 + 60_000 - 5_000, 86_400_000 + 60_000), "24 h + max age");
        Assert.That(await PttlAsync("im:hist:c:a"), Is.InRange(120_000 - 5_000, 120_000), "2 × max age");
    }

    [Test]
    public async Task Append_WithinTheInterval_SkipsMaintenanceButKeepsTheGuarantees()
    {
        await Send(["a"], "m1");
        var maintained = (await HashAsync("im:seq:c:a"))["m"];
        // Shorten the TTLs as far as the guarantee allows (as if the last maintenance were max age ago).
        await Raw.ExecuteAsync("PEXPIRE", Prefix + "im:hist:c:a", 100_000);

        await Send(["a"], "m2");

        var seq = await HashAsync("im:seq:c:a");
        Assert.That((seq["s"], seq["a"], seq["m"]), Is.EqualTo(("2", "2", maintained)), "not due: no refresh");
        Assert.That(await PttlAsync("im:hist:c:a"), Is.InRange(90_000, 100_000), "untouched");
        Assert.That((await ReadAllAsync("a")).Select(e => e.Offset), Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public async Task Append_AfterAnotherWriterAdvancedTheSequence_Maintains()
    {
        await Send(["a"], "m1");
        // What an older ImHelper or node does on its append (HINCRBY, its own TTLs), with TTLs shorter than any it sets.
        await Raw.ExecuteAsync("HINCRBY", Prefix + "im:seq:c:a", "s", 1);
        await Raw.ExecuteAsync("PEXPIRE", Prefix + "im:seq:c:a", 1_000);
        await Raw.ExecuteAsync("PEXPIRE", Prefix + "im:hist:c:a", 1_000);

        await Send(["a"], "m3");

        var seq = await HashAsync("im:seq:c:a");
        Assert.That((seq["s"], seq["a"]), Is.EqualTo(("3", "3")));
        Assert.That(await PttlAsync("im:seq:c:a"), Is.GreaterThan(86_400_000), "refreshed");
        Assert.That(await PttlAsync("im:hist:c:a"), Is.GreaterThan(60_000), "refreshed");
    }

    [Test]
    public async Task Append_RetentionChanged_StoredAndTtlsFollowTheNewOne()
    {
        await Send(["a"], "m1", retention: new StreamRetention(1000, TimeSpan.FromSeconds(2)));
        var shortAge = await PttlAsync("im:hist:c:a");

        await Send(["a"], "m2", retention: new StreamRetention(3, TimeSpan.FromMinutes(5)));
        for (var i = 3; i <= 6; i++) await Send(["a"], "m" + i, retention: new StreamRetention(3, TimeSpan.FromMinutes(5)));

        var seq = await HashAsync("im:seq:c:a");
        var epoch = seq["e"];
        Assert.That(shortAge, Is.InRange(1, 4_000));
        Assert.That((seq["n"], seq["t"]), Is.EqualTo(("3", "300000")));
        Assert.That(await PttlAsync("im:hist:c:a"), Is.GreaterThan(300_000), "at least the new max age");
        Assert.That((await Backplane.ReadStreamAsync(ImStreams.Client("a"), epoch, 2)).Status, Is.EqualTo(StreamReadStatus.Expired), "4 missed > n = 3");
        Assert.That((await Backplane.ReadStreamAsync(ImStreams.Client("a"), epoch, 3)).Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 4, 5, 6 }));
    }

    [Test]
    public async Task Append_EveryAppendOverSeveralIntervals_HistoryOutlivesItByMaxAge()
    {
        // A short max age so several maintenance intervals pass; time has to pass in Redis, so the test waits real time.
        var age = TimeSpan.FromMilliseconds(300);
        var retention = new StreamRetention(1000, age);
        var maintenances = new HashSet<string>();
        for (var i = 1; i <= 20; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Send(["a"], "m" + i, retention: retention);
            var histTtl = await PttlAsync("im:hist:c:a");
            var seqTtl = await PttlAsync("im:seq:c:a");
            var elapsed = clock.ElapsedMilliseconds + 1;
            Assert.That(histTtl + elapsed, Is.GreaterThanOrEqualTo(300), $"append {i}: history TTL {histTtl} ms");
            Assert.That(seqTtl + elapsed, Is.GreaterThanOrEqualTo(86_400_000), $"append {i}: sequence TTL {seqTtl} ms");
            maintenances.Add((await HashAsync("im:seq:c:a"))["m"]);
            await Task.Delay(50); // time passing for the TTLs, not synchronisation
        }

        Assert.That(maintenances, Has.Count.InRange(2, 19), "maintenance ran again after max age, but not on every append");
        Assert.That((await ReadAllAsync("a", StreamReadStatus.Expired)), Is.Empty, "the oldest entries aged out");
    }

    [Test]
    public async Task Append_SequenceLost_FreshEpochAndEmptiedHistory()
    {
        for (var i = 1; i <= 3; i++) await Send(["a"], "old" + i);
        var oldEpoch = (await HashAsync("im:seq:c:a"))["e"];
        await Raw.ExecuteAsync("DEL", Prefix + "im:seq:c:a");

        await Send(["a"], "new1");

        var seq = await HashAsync("im:seq:c:a");
        Assert.That(seq["e"], Is.Not.EqualTo(oldEpoch));
        Assert.That(seq["s"], Is.EqualTo("1"));
        Assert.That((await ReadAllAsync("a")).Select(e => (e.Offset, e.Text)), Is.EqualTo(new[] { (1L, Text(Frame("new1"))) }));
        Assert.That((await Raw.ExecuteAsync("XLEN", Prefix + "im:hist:c:a")).AsInt64(), Is.EqualTo(1), "older epoch's entries gone");
    }

    [Test]
    public async Task Append_SequenceStartedByGetStreamPositions_KeepsItsEpochAndGetsTheAppendTtl()
    {
        var started = (await Backplane.GetStreamPositionsAsync([ImStreams.Client("a")]))[0];

        await Send(["a"], "m1");

        var seq = await HashAsync("im:seq:c:a");
        Assert.That((seq["e"], seq["s"]), Is.EqualTo((started.Epoch, "1")));
        Assert.That(await PttlAsync("im:seq:c:a"), Is.GreaterThan(86_400_000));
        Assert.That((await Backplane.ReadStreamAsync(ImStreams.Client("a"), started.Epoch, 0)).Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 1 }));
    }

    private Task<ClientsPublishResult> Send(string[] to, string text, CancellationToken cancellationToken = default, StreamRetention? retention = null)
        => Backplane.PublishMessageToClientsAsync(to, new RelayHeader(RelayPacketKind.Message, To: to, Id: text), Frame(text), retention ?? Keep, cancellationToken);

    private async Task PauseAsync()
    {
        await Raw.ExecuteAsync("CLIENT", "PAUSE", 20_000, "WRITE");
        _paused = true;
    }

    private async Task UnpauseAsync()
    {
        _paused = false;
        await Raw.ExecuteAsync("CLIENT", "UNPAUSE");
    }

    /// <summary>
    /// Until Redis holds a batch of ours, paused: a script call (kept), or the PUBLISH after the lookups, which a write
    /// pause lets through (not kept). Our raw connection sends neither.
    /// </summary>
    private Task WaitUntilRedisHoldsOurBatchAsync() => Wait.UntilAsync(async () =>
    {
        var clients = (await Raw.ExecuteAsync("CLIENT", "LIST", "TYPE", "normal")).AsString()!;
        return clients.Split('\n').Any(line => line.Contains("flags=b ", StringComparison.Ordinal)
            && (line.Contains("cmd=eval", StringComparison.Ordinal) || line.Contains("cmd=publish", StringComparison.Ordinal)));
    }, Timeout, "the batch to reach Redis");

    private async Task<List<(long Offset, string Text)>> ReadAllAsync(string client, StreamReadStatus expected = StreamReadStatus.Ok)
    {
        var position = await Raw.ExecuteAsync("HGET", Prefix + "im:seq:c:" + client, "e");
        if (position.IsNull) return [];
        var read = await Backplane.ReadStreamAsync(ImStreams.Client(client), position.AsString()!, 0);
        Assert.That(read.Status, Is.EqualTo(expected), client);
        return read.Entries.Select(e => (e.Offset, Text(e.Frame))).ToList();
    }

    private async Task<Dictionary<string, string>> HashAsync(string key)
    {
        var items = (await Raw.ExecuteAsync("HGETALL", Prefix + key)).Items;
        var hash = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2) hash[items[i].AsString()!] = items[i + 1].AsString()!;
        return hash;
    }

    private async Task<long> PttlAsync(string key) => (await Raw.ExecuteAsync("PTTL", Prefix + key)).AsInt64();

    private static byte[] Frame(string text) => ClientFrames.Message(text, null, null, 1, Encoding.UTF8.GetBytes($"\"{text}\""));

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>Listens to <see cref="ImMetrics"/> (process-wide; this assembly's tests run one at a time).</summary>
    private sealed class ImMetricsRecorder : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<double> _waits = new();
        private long _queued = -1;

        public ImMetricsRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ImMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                if (instrument.Name == "retroim.im.direct.queue_wait") _waits.Enqueue(value);
            });
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "retroim.im.direct.queued") Volatile.Write(ref _queued, value);
            });
            _listener.Start();
        }

        public IReadOnlyCollection<double> Waits => _waits;

        /// <summary>The gauge, read now.</summary>
        public long Queued()
        {
            _listener.RecordObservableInstruments();
            return Volatile.Read(ref _queued);
        }

        public void Dispose() => _listener.Dispose();
    }
}
