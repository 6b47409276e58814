using System.Text.Json;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>A client that reconnects with its last positions gets what it missed, in order, once, before live messages.</summary>
[TestFixture]
public sealed class RecoveryTests : ClusterTestBase
{
    [Test]
    public async Task Reconnect_MissedDirectAndChanMessages_ReplayedInOrderBeforeLive()
    {
        var id = NewId("rec");
        var chan = NewId("recchan");
        await Cluster.Client.JoinChanAsync(chan, id);
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "d0" });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c0" });
        for (var i = 0; i < 2; i++) positions.Track(await first.ExpectAsync("message", Bound));
        await first.CloseAsync(Bound);

        for (var i = 1; i <= 3; i++)
        {
            await Cluster.Client.SendMessageAsync(null, [id], new { n = "d" + i });
            await Cluster.Client.SendChanMessageAsync("someone", chan, new { n = "c" + i });
        }
        var second = await ReconnectAsync(id, NodeB, positions);
        var (recovered, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "d4" });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = "c4" });
        var live = new[] { await second.ExpectAsync("message", Bound), await second.ExpectAsync("message", Bound) };

        var direct = ImStreams.Client(id);
        var channel = ImStreams.Chan(chan);
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Select(Data), Is.EqualTo(new[] { "d1", "d2", "d3", "c1", "c2", "c3" }), StreamPositions.Describe(replayed));
            Assert.That(replayed.Select(f => StreamPositions.Of(f)!.Value.Offset), Is.EqualTo(new long[] { 2, 3, 4, 2, 3, 4 }));
            Assert.That(replayed.Take(3).Select(f => StreamPositions.Of(f)!.Value.Stream), Is.All.EqualTo(direct));
            Assert.That(replayed.Skip(3).Select(f => StreamPositions.Of(f)!.Value.Stream), Is.All.EqualTo(channel));
            Assert.That(replayed[3].Str("from"), Is.EqualTo("someone"), "a replayed frame is the published frame");
            Assert.That(replayed[3].Str("chan"), Is.EqualTo(chan));
            Assert.That(Replayed(recovered), Is.EquivalentTo(new Dictionary<string, long> { [direct] = 3, [channel] = 3 }));
            Assert.That(live.Select(Data), Is.EquivalentTo(new[] { "d4", "c4" }));
            Assert.That(live.Select(f => StreamPositions.Of(f)!.Value.Offset), Is.All.EqualTo(5));
        });
    }

    [Test]
    public async Task Ephemeral_ReachesTheOpenConnectionWithoutPosition_NeverReplayed()
    {
        var id = NewId("brief");
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "d0" });
        positions.Track(await first.ExpectAsync("message", Bound));
        await Cluster.Client.SendEphemeralMessageAsync("typist", id, new { n = "e0" });
        var live = await first.ExpectAsync("message", Bound);
        await first.CloseAsync(Bound);

        await Cluster.Client.SendEphemeralMessageAsync(null, [id], new { n = "e1" });
        await Cluster.Client.SendMessageAsync(null, [id], new { n = "d1" });
        var second = await ReconnectAsync(id, NodeB, positions);
        var (recovered, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);

        Assert.Multiple(() =>
        {
            Assert.That((Data(live), live.Str("from")), Is.EqualTo(("e0", "typist")));
            Assert.That(StreamPositions.Of(live), Is.Null, "a message that is not kept has no position");
            Assert.That(replayed.Select(Data), Is.EqualTo(new[] { "d1" }), "what was sent while away and not kept is not replayed");
            Assert.That(StreamPositions.Of(replayed[0])!.Value.Offset, Is.EqualTo(2), "the messages not kept took no offset");
            Assert.That(Replayed(recovered), Is.EqualTo(new Dictionary<string, long> { [ImStreams.Client(id)] = 1 }));
        });
    }

    [Test]
    public async Task Reconnect_LivePublishesOverlapReplay_EveryOffsetOnceInOrder()
    {
        const int count = 400;
        var id = NewId("overlap");
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 0 });
        positions.Track(await first.ExpectAsync("message", Bound));
        await first.CloseAsync(Bound);

        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sending = Task.Run(async () =>
        {
            for (var n = 1; n <= count; n++)
            {
                await Cluster.Client.SendMessageAsync(null, [id], new { n });
                if (n == count / 4) halfway.TrySetResult();
            }
        });
        await halfway.Task.WaitAsync(Bound);
        var second = await ReconnectAsync(id, NodeA, positions);
        var (_, before) = await second.ReceiveUntilAsync(f => f.Type == "message" && f.MessageData.GetProperty("n").GetInt32() == count, Bound * 3);
        await sending.WaitAsync(Bound);
        var tail = await Frames.ReadUpToMarkerAsync(Cluster, id, second, Bound);

        var messages = before.Where(f => f.Type == "message").ToList();
        var recovered = before.FirstOrDefault(f => f.Type == "recovered");
        await TestContext.Out.WriteLineAsync($"replayed {recovered?.Json.GetProperty("streams")[0].GetProperty("replayed")} of {count - 1}, the rest live");
        Assert.Multiple(() =>
        {
            Assert.That(messages.Select(f => f.MessageData.GetProperty("n").GetInt32()), Is.EqualTo(Enumerable.Range(1, count - 1)), "every message once, in order");
            Assert.That(messages.Select(f => StreamPositions.Of(f)!.Value.Offset), Is.EqualTo(Enumerable.Range(2, count - 1).Select(n => (long)n)));
            Assert.That(before.Count(f => f.Type == "recovered"), Is.EqualTo(1));
            Assert.That(tail, Is.Empty, "no late duplicate");
        });
    }

    [Test]
    public async Task Reconnect_GapBeyondHistorySize_RecoverFailedExpiredThenLive()
    {
        await using var small = new ImClient(Cluster.Backplane, new ImHelperOptions { HistorySize = 5 });
        var id = NewId("expired");
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await small.SendMessageAsync(null, [id], new { n = 0 });
        positions.Track(await first.ExpectAsync("message", Bound));
        await first.CloseAsync(Bound);
        for (var n = 1; n <= 8; n++) await small.SendMessageAsync(null, [id], new { n });

        var second = await ReconnectAsync(id, NodeA, positions);
        var failed = await second.ExpectAsync("recover_failed", Bound);
        var recovered = await second.ExpectAsync("recovered", Bound);
        await small.SendMessageAsync(null, [id], new { n = 9 });
        var live = await second.ExpectAsync("message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(failed.Str("stream"), Is.EqualTo(ImStreams.Client(id)));
            Assert.That(failed.Str("reason"), Is.EqualTo("expired"));
            Assert.That(failed.Str("epoch"), Is.EqualTo(positions[ImStreams.Client(id)].Epoch), "the epoch did not change");
            Assert.That(failed.Json.GetProperty("offset").GetInt64(), Is.EqualTo(9));
            Assert.That(recovered.Json.GetProperty("streams").GetArrayLength(), Is.Zero);
            Assert.That(StreamPositions.Of(live)!.Value.Offset, Is.EqualTo(10));
        });
    }

    [Test]
    public async Task Reconnect_GapWithinHistorySize_Recovers()
    {
        await using var small = new ImClient(Cluster.Backplane, new ImHelperOptions { HistorySize = 5 });
        var id = NewId("within");
        var positions = new StreamPositions();
        var first = await ConnectToAsync(id, NodeA);
        await small.SendMessageAsync(null, [id], new { n = 0 });
        positions.Track(await first.ExpectAsync("message", Bound));
        await first.CloseAsync(Bound);
        for (var n = 1; n <= 5; n++) await small.SendMessageAsync(null, [id], new { n });

        var second = await ReconnectAsync(id, NodeA, positions);
        var (_, replayed) = await StreamPositions.ReadUntilRecoveredAsync(second, Bound);

        Assert.That(replayed.Select(f => f.MessageData.GetProperty("n").GetInt32()), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public async Task Reconnect_ChannelNotAMemberOf_RecoverFailedNotMember()
    {
        var id = NewId("nonmember");
        var chan = NewId("foreign");
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 1 });
        var positions = new StreamPositions();
        positions.Set(ImStreams.Chan(chan), "whatever", 0);
        positions.Set(ImStreams.Client("someone-else"), "whatever", 0);

        var socket = await ReconnectAsync(id, NodeA, positions);
        var (_, before) = await StreamPositions.ReadUntilRecoveredAsync(socket, Bound);

        Assert.That(before.Select(f => (f.Type, f.Str("reason"))), Is.EqualTo(new[] { ("recover_failed", "not_member"), ("recover_failed", "not_member") }));
    }

    [Test]
    public async Task Connect_MalformedRecoverParameter_RecoverFailedInvalidAndConnectionWorks()
    {
        var id = NewId("badrecover");
        var url = await Cluster.IssueUrlForNodeAsync(id, NodeA);
        var socket = Own(await TestWebSocketClient.ConnectAsync(url + "&recover=%%%not-base64"));
        await socket.ExpectWelcomeAsync(Bound);

        var failed = await socket.ExpectAsync("recover_failed", Bound);
        await Cluster.Client.SendMessageAsync(null, [id], new { n = 1 });
        var message = await socket.ExpectAsync("message", Bound);

        Assert.That(failed.Str("reason"), Is.EqualTo("invalid"));
        Assert.That(StreamPositions.Of(message)!.Value.Offset, Is.EqualTo(1));
    }

    [Test]
    public async Task SendMessage_SeveralReceivers_EachGetsItsOwnPositionInTheSameFrame()
    {
        var a = NewId("multi-a");
        var b = NewId("multi-b");
        var socketA = await ConnectToAsync(a, NodeA);
        var socketB = await ConnectToAsync(b, NodeA);
        await Cluster.Client.SendMessageAsync(null, [b], new { n = "b only" });
        await socketB.ExpectAsync("message", Bound);

        await Cluster.Client.SendMessageAsync("x", [a, b], new { n = "both" });
        var toA = await socketA.ExpectAsync("message", Bound);
        var toB = await socketB.ExpectAsync("message", Bound);

        Assert.Multiple(() =>
        {
            Assert.That(StreamPositions.Of(toA)!.Value, Is.EqualTo((ImStreams.Client(a), StreamPositions.Of(toA)!.Value.Epoch, 1L)));
            Assert.That(StreamPositions.Of(toB)!.Value.Stream, Is.EqualTo(ImStreams.Client(b)));
            Assert.That(StreamPositions.Of(toB)!.Value.Offset, Is.EqualTo(2));
            Assert.That(toA.Str("id"), Is.EqualTo(toB.Str("id")));
            Assert.That(Without(toA, "pos"), Is.EqualTo(Without(toB, "pos")), "the rest of the frame is shared");
        });
    }

    private async Task<TestWebSocketClient> ReconnectAsync(string id, ImServerProcess node, StreamPositions positions)
    {
        var url = await Cluster.IssueUrlForNodeAsync(id, node);
        var socket = Own(await TestWebSocketClient.ConnectAsync(positions.AppendTo(url)));
        await socket.ExpectWelcomeAsync(Bound);
        return socket;
    }

    private static string? Data(WsFrame frame) => frame.MessageData.GetProperty("n").GetString();

    private static Dictionary<string, long> Replayed(WsFrame recovered) =>
        recovered.Json.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("stream").GetString()!, s => s.GetProperty("replayed").GetInt64());

    private static string Without(WsFrame frame, string property) =>
        JsonSerializer.Serialize(frame.Json.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
