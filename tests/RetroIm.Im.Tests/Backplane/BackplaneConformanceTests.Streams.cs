using System.Text;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    private static readonly StreamRetention Keep = new(1000, TimeSpan.FromMinutes(1));

    [Test]
    public async Task PublishMessageToClients_SeveralClients_PositionsAlignedWithToAndFrameUnchanged()
    {
        var peer = await PeerAsync();
        var inboxes = await TopicRecorder.StartAsync(peer, ImTopics.Node("n1"), ImTopics.Node("n2"));
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddConnectionAsync(Conn("n2", "b"));
        await Backplane.PublishMessageToClientsAsync(["b"], Header(["b"]), Frame("first"), Keep);

        var result = await Backplane.PublishMessageToClientsAsync(["a", "b", "away"], Header(["a", "b", "away"]), Frame("second"), Keep);

        Assert.That(result.NodeIds, Is.EqualTo(new[] { "n1", "n2" }));
        Assert.That(result.OfflineClientIds, Is.EqualTo(new[] { "away" }));
        var n1 = await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1"));
        var n2 = await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n2"));
        Assert.That(n1, Has.Count.EqualTo(1));
        Assert.That(n2, Has.Count.EqualTo(2));
        var (header, body) = Read(n1[0]);
        Assert.Multiple(() =>
        {
            Assert.That(header.To, Is.EqualTo(new[] { "a", "b", "away" }));
            Assert.That(header.Id, Is.EqualTo("m"));
            Assert.That(header.Offsets, Is.EqualTo(new long[] { 1, 2, 1 }));
            Assert.That(header.Epochs, Has.Count.EqualTo(3).And.All.Not.Empty);
            Assert.That(body, Is.EqualTo(Text(Frame("second"))));
            Assert.That(n2[1], Is.EqualTo(n1[0]), "one packet for every node");
        });
    }

    [Test]
    public async Task PublishMessageToClients_NotRetained_PacketWithoutPositions_NothingAppended()
    {
        var peer = await PeerAsync();
        var inboxes = await TopicRecorder.StartAsync(peer, ImTopics.Node("n1"));
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddConnectionAsync(Conn("n1", "b"));
        await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("kept1"), Keep);

        var several = await Backplane.PublishMessageToClientsAsync(["a", "b", "away"], Header(["a", "b", "away"]), Frame("brief1"), StreamRetention.None);
        var one = await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("brief2"), StreamRetention.None);
        await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("kept2"), Keep);

        var packets = (await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1"))).Select(Read).ToList();
        var positions = await Backplane.GetStreamPositionsAsync([ImStreams.Client("a"), ImStreams.Client("b"), ImStreams.Client("away")]);
        var history = await Backplane.ReadStreamAsync(ImStreams.Client("a"), positions[0].Epoch, 0);
        Assert.Multiple(() =>
        {
            Assert.That((several.NodeIds, several.OfflineClientIds), Is.EqualTo((new[] { "n1" }, new[] { "away" })));
            Assert.That(one.NodeIds, Is.EqualTo(new[] { "n1" }));
            Assert.That(packets.Select(p => p.Body), Is.EqualTo(new[] { "kept1", "brief1", "brief2", "kept2" }.Select(t => Text(Frame(t)))));
            Assert.That(packets.Select(p => p.Header.To!.Count), Is.EqualTo(new[] { 1, 3, 1, 1 }));
            Assert.That(packets.Select(p => (p.Header.Epochs is null, p.Header.Offsets is null)), Is.EqualTo(new[] { (false, false), (true, true), (true, true), (false, false) }));
            // The messages that are not kept took no offset: the kept ones stay consecutive.
            Assert.That(packets.Select(p => p.Header.Offsets?[0]), Is.EqualTo(new long?[] { 1, null, null, 2 }));
            Assert.That(history.Entries.Select(e => (e.Offset, Text(e.Frame))), Is.EqualTo(new[] { (1L, Text(Frame("kept1"))), (2L, Text(Frame("kept2"))) }));
            Assert.That(positions.Skip(1).Select(p => p.Offset), Is.EqualTo(new long[] { 0, 0 }), "nothing was appended for b or away");
        });
    }

    [Test]
    public async Task GetStreamPositions_NewStream_StartsSequenceAndFirstPublishKeepsItsEpoch()
    {
        var before = await Backplane.GetStreamPositionsAsync([ImStreams.Client("a"), ImStreams.Chan("room")]);
        var again = await Backplane.GetStreamPositionsAsync([ImStreams.Chan("room")]);
        await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("m1"), Keep);
        var chanPosition = await Backplane.PublishChanMessageAsync("room", new RelayHeader(RelayPacketKind.Message, Chan: "room", Id: "m"), Frame("c1"), Keep);

        var client = await Backplane.ReadStreamAsync(ImStreams.Client("a"), before[0].Epoch, before[0].Offset);
        var chan = await Backplane.ReadStreamAsync(ImStreams.Chan("room"), before[1].Epoch, before[1].Offset);

        Assert.That(before.Select(p => p.Offset), Is.EqualTo(new long[] { 0, 0 }));
        Assert.That(before[0].Epoch, Is.Not.Empty.And.Not.EqualTo(before[1].Epoch));
        Assert.That(again[0], Is.EqualTo(before[1]), "an existing sequence is not restarted");
        Assert.That(chanPosition, Is.EqualTo(new StreamPosition(before[1].Epoch, 1)));
        Assert.That((client.Status, client.Epoch, client.LastOffset), Is.EqualTo((StreamReadStatus.Ok, before[0].Epoch, 1L)));
        Assert.That(client.Entries.Select(e => Text(e.Frame)), Is.EqualTo(new[] { Text(Frame("m1")) }));
        Assert.That(chan.Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 1 }));
    }

    [Test]
    public async Task GetStreamPositions_ExistingStream_ReturnsLastOffset()
    {
        for (var i = 1; i <= 3; i++) await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("m" + i), Keep);

        var positions = await Backplane.GetStreamPositionsAsync([ImStreams.Client("a")]);
        var read = await Backplane.ReadStreamAsync(ImStreams.Client("a"), positions[0].Epoch, positions[0].Offset);

        Assert.That(positions[0].Offset, Is.EqualTo(3));
        Assert.That((read.Status, read.Entries.Count), Is.EqualTo((StreamReadStatus.Ok, 0)));
    }

    [Test]
    public async Task ReadStream_ClientStream_EntriesAfterOffsetInOrder()
    {
        var epoch = "";
        for (var i = 1; i <= 4; i++)
        {
            await Backplane.PublishMessageToClientsAsync(["a"], Header(["a"]), Frame("m" + i), Keep);
        }
        var all = await Backplane.ReadStreamAsync(ImStreams.Client("a"), "no-such-epoch", 0);
        epoch = all.Epoch!;

        var read = await Backplane.ReadStreamAsync(ImStreams.Client("a"), epoch, 1);

        Assert.That(all.Status, Is.EqualTo(StreamReadStatus.EpochChanged));
        Assert.That((read.Status, read.Epoch, read.LastOffset), Is.EqualTo((StreamReadStatus.Ok, epoch, 4L)));
        Assert.That(read.Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(read.Entries.Select(e => Text(e.Frame)), Is.EqualTo(new[] { Text(Frame("m2")), Text(Frame("m3")), Text(Frame("m4")) }));
    }

    [Test]
    public async Task PublishChanMessage_Repeated_OffsetsIncreaseAndPacketCarriesPosition()
    {
        var peer = await PeerAsync();
        var chan = await TopicRecorder.StartAsync(peer, ImTopics.Chan("room"));

        var positions = new List<StreamPosition>();
        for (var i = 1; i <= 3; i++) positions.Add(await Backplane.PublishChanMessageAsync("room", ChanHeader("room"), Frame("c" + i), Keep));

        Assert.That(positions.Select(p => p.Offset), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(positions.Select(p => p.Epoch).Distinct().Count(), Is.EqualTo(1));
        var (header, body) = Read(await chan.NextAsync(ImTopics.Chan("room")));
        Assert.That((header.Chan, header.Epochs!.Single(), header.Offsets!.Single(), body), Is.EqualTo(("room", positions[0].Epoch, 1L, Text(Frame("c1")))));
        var read = await Backplane.ReadStreamAsync(ImStreams.Chan("room"), positions[0].Epoch, 1);
        Assert.That(read.Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 2, 3 }));
    }

    [Test]
    public async Task ReadStream_EdgeCases_StatusesAgree()
    {
        var position = await Backplane.PublishChanMessageAsync("edge", ChanHeader("edge"), Frame("x"), Keep);
        var stream = ImStreams.Chan("edge");

        var upToDate = await Backplane.ReadStreamAsync(stream, position.Epoch, 1);
        var otherEpoch = await Backplane.ReadStreamAsync(stream, "other", 0);
        var ahead = await Backplane.ReadStreamAsync(stream, position.Epoch, 7);
        var unknown = await Backplane.ReadStreamAsync(ImStreams.Chan("never"), "e", 3);

        Assert.Multiple(() =>
        {
            Assert.That((upToDate.Status, upToDate.Entries.Count, upToDate.LastOffset), Is.EqualTo((StreamReadStatus.Ok, 0, 1L)));
            Assert.That((otherEpoch.Status, otherEpoch.Epoch), Is.EqualTo((StreamReadStatus.EpochChanged, position.Epoch)));
            Assert.That(ahead.Status, Is.EqualTo(StreamReadStatus.EpochChanged));
            Assert.That((unknown.Status, unknown.Epoch, unknown.LastOffset), Is.EqualTo((StreamReadStatus.EpochChanged, (string?)null, 0L)));
        });
    }

    [Test]
    public async Task ReadStream_GapBeyondMaxLength_ExpiredWhileGapWithinReads()
    {
        var three = new StreamRetention(3, TimeSpan.FromMinutes(1));
        StreamPosition last = null!;
        for (var i = 1; i <= 5; i++) last = await Backplane.PublishChanMessageAsync("short", ChanHeader("short"), Frame("s" + i), three);

        var tooOld = await Backplane.ReadStreamAsync(ImStreams.Chan("short"), last.Epoch, 1);
        var within = await Backplane.ReadStreamAsync(ImStreams.Chan("short"), last.Epoch, 2);

        Assert.That((tooOld.Status, tooOld.Entries.Count, tooOld.LastOffset), Is.EqualTo((StreamReadStatus.Expired, 0, 5L)));
        Assert.That(within.Entries.Select(e => e.Offset), Is.EqualTo(new long[] { 3, 4, 5 }));
    }

    [Test]
    public async Task ReadStream_EntriesOlderThanMaxAge_ExpiredButEpochKept()
    {
        var brief = new StreamRetention(100, TimeSpan.FromMilliseconds(300));
        var first = await Backplane.PublishMessageToClientsAsync(["z"], Header(["z"]), Frame("old"), brief);
        var epoch = (await Backplane.ReadStreamAsync(ImStreams.Client("z"), "?", 0)).Epoch!;

        await AdvanceAsync(TimeSpan.FromMilliseconds(600));
        var aged = await Backplane.ReadStreamAsync(ImStreams.Client("z"), epoch, 0);
        await Backplane.PublishMessageToClientsAsync(["z"], Header(["z"]), Frame("new"), brief);
        var fresh = await Backplane.ReadStreamAsync(ImStreams.Client("z"), epoch, 1);

        Assert.That(first.OfflineClientIds, Is.EqualTo(new[] { "z" }));
        Assert.That(aged.Status, Is.EqualTo(StreamReadStatus.Expired));
        Assert.That((fresh.Status, fresh.Epoch), Is.EqualTo((StreamReadStatus.Ok, epoch)), "the sequence outlives the history");
        Assert.That(fresh.Entries.Select(e => (e.Offset, Text(e.Frame))), Is.EqualTo(new[] { (2L, Text(Frame("new"))) }));
    }

    private static RelayHeader Header(string[] to) => new(RelayPacketKind.Message, To: to, Id: "m");

    private static RelayHeader ChanHeader(string chan) => new(RelayPacketKind.Message, Chan: chan, Id: "m");

    private static byte[] Frame(string text) => ClientFrames.Message("m", null, null, 1, Encoding.UTF8.GetBytes($"\"{text}\""));

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private static (RelayHeader Header, string Body) Read(string packet)
    {
        Assert.That(RelayPacket.TryRead(Encoding.UTF8.GetBytes(packet), out var header, out var body), Is.True, packet);
        return (header!, Text(body));
    }
}
