using System.Text;
using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientSendTests : TwoNodeTestBase
{
    private static readonly DateTimeOffset Start = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    protected override TimeProvider Clock => new ManualClock(Start);

    protected override ImHelperOptions Options => new() { ReceiptTimeout = TimeSpan.FromMilliseconds(300) };

    [Test]
    public async Task SendMessageAsync_Object_NodeGetsExactProtocolFrame()
    {
        await N1.ConnectAsync("a");

        var result = await Client.SendMessageAsync("x", ["a"], new { Text = "hi", Count = 2 });

        Assert.That(result, Is.Null);
        var packet = await N1.NextPacketAsync();
        var id = packet.Header.Id!;
        Assert.That(packet.Header with { Epochs = null, Offsets = null }, Is.EqualTo(new RelayHeader(RelayPacketKind.Message, To: packet.Header.To, Id: id)));
        Assert.That(packet.Header.To, Is.EqualTo(new[] { "a" }));
        Assert.That(packet.Header.Offsets, Is.EqualTo(new long[] { 1 }), "the receiver's position, aligned with To");
        Assert.That(id, Does.Match("^[0-9a-f]{32}$"));
        Assert.That(packet.BodyText, Is.EqualTo(
            $$$"""{"type":"message","id":"{{{id}}}","from":"x","chan":null,"ts":{{{StartMs}}},"data":{"text":"hi","count":2}}"""));
    }

    [TestCase("hi", "\"hi\"")]
    [TestCase("{\"a\":1}", "\"{\\u0022a\\u0022:1}\"")]
    [TestCase(null, "null")]
    [TestCase(42, "42")]
    [TestCase(true, "true")]
    public async Task SendMessageAsync_ScalarPayload_WrittenAsJsonValue(object? message, string expectedData)
    {
        await N1.ConnectAsync("a");
        await Client.SendMessageAsync(null, ["a"], message);
        Assert.That(DataOf(await N1.NextPacketAsync()), Is.EqualTo(expectedData));
    }

    [Test]
    public async Task SendMessageAsync_RawJsonForms_WrittenVerbatim()
    {
        await N1.ConnectAsync("a");
        const string json = """{"kind":"card","tags":["x","y"],"n":1.5}""";
        var element = JsonDocument.Parse(json).RootElement;

        await Client.SendMessageAsync(null, ["a"], element);
        await Client.SendMessageAsync(null, ["a"], Encoding.UTF8.GetBytes(json));
        await Client.SendMessageAsync(null, ["a"], new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(json)));

        for (var i = 0; i < 3; i++) Assert.That(DataOf(await N1.NextPacketAsync()), Is.EqualTo(json));
    }

    [TestCase("{\"a\":")]
    [TestCase("")]
    [TestCase("1 2")]
    [TestCase("{'a':1}")]
    public void SendMessageAsync_InvalidJsonBytes_ThrowsArgumentException(string bytes)
    {
        Assert.That(async () => await Client.SendMessageAsync(null, ["a"], Encoding.UTF8.GetBytes(bytes)), Throws.ArgumentException);
    }

    [Test]
    public async Task SendMessageAsync_CustomSerializerOptions_Used()
    {
        var clock = new ManualClock(Start);
        var options = new ImHelperOptions { JsonSerializerOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower } };
        await using var client = new Im.ImClient(Backplane, options, time: clock);
        await N1.ConnectAsync("a");

        await client.SendMessageAsync(null, ["a"], new { CardTitle = "t" });

        Assert.That(DataOf(await N1.NextPacketAsync()), Is.EqualTo("""{"card_title":"t"}"""));
    }

    [Test]
    public async Task SendMessageAsync_DuplicateReceivers_AddressedOnce()
    {
        await N1.ConnectAsync("a");
        await N1.ConnectAsync("b");

        await Client.SendMessageAsync(null, ["a", "b", "a", "b"], "x");

        Assert.That((await N1.NextPacketAsync()).Header.To, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(N1.PendingPackets, Is.Zero);
    }

    [Test]
    public async Task SendMessageAsync_ManyReceiversWithDuplicates_EachAddressedOnceInFirstOrder()
    {
        // Past the first few receivers duplicates are found by a set, before by comparing: both the same.
        var distinct = Enumerable.Range(0, 20).Select(i => "r" + i).ToArray();
        foreach (var id in distinct) await N1.ConnectAsync(id);

        await Client.SendMessageAsync(null, distinct.Concat(["r3"]).Concat(distinct.Reverse()).Concat(["r0", "r19"]), "x");

        Assert.That((await N1.NextPacketAsync()).Header.To, Is.EqualTo(distinct));
        Assert.That(N1.PendingPackets, Is.Zero);
    }

    [Test]
    public async Task SendMessageAsync_ReceiversOnTwoNodes_OnePacketPerHoldingNode()
    {
        var n3 = await SimulatedNode.StartAsync(Backplane, "n3");
        await N1.ConnectAsync("a");
        await N1.ConnectAsync("b");
        await N2.ConnectAsync("c");

        await Client.SendMessageAsync(null, ["a", "b", "c", "offline"], "x");

        var p1 = await N1.NextPacketAsync();
        var p2 = await N2.NextPacketAsync();
        Assert.That(p2.Header.Id, Is.EqualTo(p1.Header.Id));
        Assert.That(p2.Body, Is.EqualTo(p1.Body), "the frame is built once and forwarded unchanged");
        Assert.That(N1.PendingPackets + N2.PendingPackets + n3.PendingPackets, Is.Zero);
    }

    [Test]
    public async Task SendMessageAsync_NoReceivers_NothingPublished()
    {
        await N1.ConnectAsync("a");
        Assert.That(await Client.SendMessageAsync(null, [], "x"), Is.Null);
        var receipt = await Client.SendMessageAsync(null, [], "x", receipt: true);
        Assert.That(receipt!.Written, Is.Empty);
        Assert.That(receipt.Offline, Is.Empty);
        Assert.That(N1.PendingPackets, Is.Zero);
    }

    [Test]
    public void SendMessageAsync_BadReceiverId_ThrowsArgumentException()
    {
        Assert.That(async () => await Client.SendMessageAsync(null, ["a", ""], "x"), Throws.ArgumentException);
        Assert.That(async () => await Client.SendMessageAsync("", ["a"], "x"), Throws.ArgumentException);
    }

    [Test]
    public void DirectSends_BadArguments_ComeBackAsAFaultedTask_NeverThrownFromTheCall()
    {
        // The direct sends are not async methods (one state machine less per message): they must still report bad
        // arguments through the task, as an async method would, so `var t = Send…; …; await t` never throws early.
        var calls = new List<(string Name, Func<Task> Call)>
        {
            ("SendMessageAsync", () => Client.SendMessageAsync(null, ["a", ""], "x")),
            ("SendMessageAsync(receipt)", () => Client.SendMessageAsync(null, ["a", ""], "x", receipt: true)),
            ("SendMessageAsync(bad sender)", () => Client.SendMessageAsync("", ["a"], "x")),
            ("SendEphemeralMessageAsync", () => Client.SendEphemeralMessageAsync(null, ["a", ""], "x")),
            ("SendEphemeralMessageAsync(bad JSON)", () => Client.SendEphemeralMessageAsync(null, ["a"], Encoding.UTF8.GetBytes("{"))),
        };
        Assert.Multiple(() =>
        {
            foreach (var (name, call) in calls)
            {
                Task? task = null;
                // A void delegate: NUnit would await one that returns the task, and see the fault it carries.
                Assert.That(() => { task = call(); }, Throws.Nothing, name);
                Assert.That(task?.IsFaulted, Is.True, name);
                Assert.That(task?.Exception?.InnerException, Is.InstanceOf<ArgumentException>(), name);
            }
        });
    }

    [Test]
    public async Task SendMessageAsync_Receipt_WrittenFromNodeReportsAndOfflineForTheRest()
    {
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("b");

        var receipt = await Client.SendMessageAsync("x", ["a", "nobody", "b", "a"], "hi", receipt: true);

        var packet = await N1.NextPacketAsync();
        Assert.That(packet.Header.ReceiptTopic, Does.StartWith("im:receipts:"));
        Assert.That(receipt, Is.Not.Null);
        Assert.That(receipt!.MessageId, Is.EqualTo(packet.Header.Id));
        Assert.That(receipt.Written, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(receipt.Offline, Is.EqualTo(new[] { "nobody" }));
        Assert.That(receipt.SilentNodes, Is.Empty);
    }

    [Test]
    public async Task SendMessageAsync_ReceiptReportedLater_WaitsForEveryNode()
    {
        N1.Receipts = ReceiptMode.HeldLater;
        N2.Receipts = ReceiptMode.HeldLater;
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("b");

        var receipt = await Client.SendMessageAsync(null, ["a", "b"], "hi", receipt: true).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(receipt!.Written, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(receipt.Offline, Is.Empty);
    }

    [Test]
    public async Task SendMessageAsync_ReceiptNodeNoLongerHoldsClient_ClientCountedOffline()
    {
        await N1.ConnectAsync("a");
        await N1.ConnectAsync("b");
        N1.DropLocally("b"); // its socket closed after the backplane routed the packet

        var receipt = await Client.SendMessageAsync(null, ["a", "b"], "hi", receipt: true);

        Assert.That(receipt!.Written, Is.EqualTo(new[] { "a" }));
        Assert.That(receipt.Offline, Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public async Task SendMessageAsync_ReceiptNodeSilent_ReturnsAfterTimeoutNamingTheNode()
    {
        N2.Receipts = ReceiptMode.Silent;
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("b");

        var receipt = await Client.SendMessageAsync(null, ["a", "b"], "hi", receipt: true).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(receipt!.Written, Is.EqualTo(new[] { "a" }));
        Assert.That(receipt.Offline, Is.EqualTo(new[] { "b" }));
        Assert.That(receipt.SilentNodes, Is.EqualTo(new[] { "n2" }));
    }

    [Test]
    public async Task SendMessageAsync_ReceiptNobodyOnline_AllOfflineAtOnce()
    {
        var receipt = await Client.SendMessageAsync(null, ["a", "b"], "hi", receipt: true);
        Assert.That(receipt!.Written, Is.Empty);
        Assert.That(receipt.Offline, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task SendMessageAsync_ConcurrentReceipts_EachGetsItsOwn()
    {
        N1.Receipts = ReceiptMode.HeldLater;
        await N1.ConnectAsync("a");
        var sends = Enumerable.Range(0, 50).Select(i => Client.SendMessageAsync(null, ["a", "z" + i], i, receipt: true)).ToArray();
        var receipts = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < receipts.Length; i++)
        {
            Assert.That(receipts[i]!.Written, Is.EqualTo(new[] { "a" }));
            Assert.That(receipts[i]!.Offline, Is.EqualTo(new[] { "z" + i }));
        }
        Assert.That(receipts.Select(r => r!.MessageId).Distinct().Count(), Is.EqualTo(50));
    }

    [Test]
    public async Task SendChanMessageAsync_PublishesOnceOnTheChannelTopic()
    {
        var received = new List<(RelayHeader Header, string Body)>();
        await Backplane.SubscribeAsync(ImTopics.Chan("room:1"), (_, payload) =>
        {
            RelayPacket.TryRead(payload, out var header, out var body);
            received.Add((header!, Encoding.UTF8.GetString(body.Span)));
        });

        await Client.SendChanMessageAsync("x", "room:1", new { v = 1 });

        Assert.That(received, Has.Count.EqualTo(1));
        var (h, frame) = received[0];
        Assert.That(h with { Epochs = null, Offsets = null }, Is.EqualTo(new RelayHeader(RelayPacketKind.Message, Chan: "room:1", Id: h.Id)));
        Assert.That(h.Offsets, Is.EqualTo(new long[] { 1 }), "the channel stream's position");
        Assert.That(frame, Is.EqualTo($$$"""{"type":"message","id":"{{{h.Id}}}","from":"x","chan":"room:1","ts":{{{StartMs}}},"data":{"v":1}}"""));
    }

    [Test]
    public async Task SendBroadcastMessageAsync_PublishesOnceOnAll()
    {
        var received = new List<(RelayHeader Header, string Body)>();
        await Backplane.SubscribeAsync(ImTopics.All, (_, payload) =>
        {
            RelayPacket.TryRead(payload, out var header, out var body);
            received.Add((header!, Encoding.UTF8.GetString(body.Span)));
        });

        await Client.SendBroadcastMessageAsync("maintenance at 5");

        Assert.That(received, Has.Count.EqualTo(1));
        var (h, frame) = received[0];
        Assert.That(h, Is.EqualTo(new RelayHeader(RelayPacketKind.Message, Id: h.Id)));
        Assert.That(frame, Is.EqualTo($$$"""{"type":"message","id":"{{{h.Id}}}","from":null,"chan":null,"ts":{{{StartMs}}},"data":"maintenance at 5"}"""));
    }

    private static string DataOf(ReceivedPacket packet) => packet.Frame.GetProperty("data").GetRawText();
}
