using System.Text.Json;
using NUnit.Framework;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    private static readonly TimeSpan NoWait = TimeSpan.Zero;

    private static ClientEvent Event(string name, string client = "c1", string json = """{"n":1}""", string? metadata = "m")
    {
        using var document = JsonDocument.Parse(json);
        return new ClientEvent("", name, document.RootElement.Clone(), client, "conn-" + client, "node-1", metadata, 1_700_000_000_000);
    }

    [Test]
    public async Task AppendClientEventAsync_ThenRead_ReturnsTheEventWithItsIdSenderAndData()
    {
        var id = await Backplane.AppendClientEventAsync(Event("typing", "ann", """{"field":"title"}""", metadata: "retro-1")).WaitAsync(Timeout);

        var read = await Backplane.ReadClientEventsAsync("g", "c-1", 10, NoWait).WaitAsync(Timeout);

        Assert.That(read, Has.Count.EqualTo(1));
        var e = read[0];
        Assert.Multiple(() =>
        {
            Assert.That(e.Id, Is.EqualTo(id).And.Not.Empty);
            Assert.That(e.Event, Is.EqualTo("typing"));
            Assert.That(e.ClientId, Is.EqualTo("ann"));
            Assert.That(e.ConnectionId, Is.EqualTo("conn-ann"));
            Assert.That(e.Node, Is.EqualTo("node-1"));
            Assert.That(e.Metadata, Is.EqualTo("retro-1"));
            Assert.That(e.Ts, Is.EqualTo(1_700_000_000_000));
            Assert.That(e.Data.GetProperty("field").GetString(), Is.EqualTo("title"));
        });
    }

    [Test]
    public async Task AppendClientEventAsync_NullMetadataAndScalarData_RoundTrip()
    {
        await Backplane.AppendClientEventAsync(Event("ping", json: "\"hi\"", metadata: null)).WaitAsync(Timeout);

        var e = (await Backplane.ReadClientEventsAsync("g", "c-1", 10, NoWait).WaitAsync(Timeout)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(e.Metadata, Is.Null);
            Assert.That(e.Data.GetString(), Is.EqualTo("hi"));
        });
    }

    [Test]
    public async Task ReadClientEventsAsync_OneGroupTwoConsumers_EachEventGoesToOneOfThem()
    {
        for (var i = 0; i < 3; i++) await Backplane.AppendClientEventAsync(Event("e" + i)).WaitAsync(Timeout);

        var first = await Backplane.ReadClientEventsAsync("g", "c-1", 2, NoWait).WaitAsync(Timeout);
        var second = await Backplane.ReadClientEventsAsync("g", "c-2", 10, NoWait).WaitAsync(Timeout);
        var none = await Backplane.ReadClientEventsAsync("g", "c-1", 10, NoWait).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(e => e.Event), Is.EqualTo(new[] { "e0", "e1" }));
            Assert.That(second.Select(e => e.Event), Is.EqualTo(new[] { "e2" }));
            Assert.That(none, Is.Empty);
        });
    }

    [Test]
    public async Task ReadClientEventsAsync_TwoGroups_EachGetsEveryEventFromTheStart()
    {
        await Backplane.AppendClientEventAsync(Event("a")).WaitAsync(Timeout);
        var firstGroup = await Backplane.ReadClientEventsAsync("g1", "c", 10, NoWait).WaitAsync(Timeout);
        await Backplane.AppendClientEventAsync(Event("b")).WaitAsync(Timeout);

        var lateGroup = await Backplane.ReadClientEventsAsync("g2", "c", 10, NoWait).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(firstGroup.Select(e => e.Event), Is.EqualTo(new[] { "a" }));
            Assert.That(lateGroup.Select(e => e.Event), Is.EqualTo(new[] { "a", "b" }), "a new group starts at the oldest retained event");
        });
    }

    [Test]
    public async Task ReadClientEventsAsync_EventAppendedWhileWaiting_ReturnsIt()
    {
        await Backplane.ReadClientEventsAsync("g", "c", 10, NoWait).WaitAsync(Timeout); // creates the group
        var reading = Backplane.ReadClientEventsAsync("g", "c", 10, TimeSpan.FromSeconds(2));
        var peer = await PeerAsync();

        await peer.AppendClientEventAsync(Event("late")).WaitAsync(Timeout);

        var read = await reading.WaitAsync(Timeout);
        if (read.Count == 0) read = await Backplane.ReadClientEventsAsync("g", "c", 10, NoWait).WaitAsync(Timeout);
        Assert.That(read.Select(e => e.Event), Is.EqualTo(new[] { "late" }));
    }

    [Test]
    public async Task ReadClientEventsAsync_NothingNew_ReturnsEmptyAfterTheWait()
    {
        var read = await Backplane.ReadClientEventsAsync("g", "c", 10, TimeSpan.FromMilliseconds(50)).WaitAsync(Timeout);

        Assert.That(read, Is.Empty);
    }

    [Test]
    public async Task ClaimClientEventsAsync_UnacknowledgedPastMinIdle_AnotherConsumerTakesItOver()
    {
        var id = await Backplane.AppendClientEventAsync(Event("lost")).WaitAsync(Timeout);
        await Backplane.ReadClientEventsAsync("g", "dead", 10, NoWait).WaitAsync(Timeout);

        var tooEarly = await Backplane.ClaimClientEventsAsync("g", "alive", TimeSpan.FromSeconds(30), 10).WaitAsync(Timeout);
        await AdvanceAsync(TimeSpan.FromMilliseconds(150));
        var claimed = await Backplane.ClaimClientEventsAsync("g", "alive", TimeSpan.FromMilliseconds(100), 10).WaitAsync(Timeout);
        var again = await Backplane.ClaimClientEventsAsync("g", "other", TimeSpan.FromMilliseconds(100), 10).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(tooEarly, Is.Empty);
            Assert.That(claimed.Select(e => e.Id), Is.EqualTo(new[] { id }));
            Assert.That(claimed[0].Event, Is.EqualTo("lost"));
            Assert.That(again, Is.Empty, "a claim resets the idle time");
        });
    }

    [Test]
    public async Task AckClientEventsAsync_Acknowledged_IsNeverClaimed()
    {
        var id = await Backplane.AppendClientEventAsync(Event("done")).WaitAsync(Timeout);
        await Backplane.ReadClientEventsAsync("g", "c-1", 10, NoWait).WaitAsync(Timeout);

        var acked = await Backplane.AckClientEventsAsync("g", [id]).WaitAsync(Timeout);
        var ackedAgain = await Backplane.AckClientEventsAsync("g", [id]).WaitAsync(Timeout);
        await AdvanceAsync(TimeSpan.FromMilliseconds(50));
        var claimed = await Backplane.ClaimClientEventsAsync("g", "c-2", TimeSpan.Zero, 10).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(acked, Is.EqualTo(1));
            Assert.That(ackedAgain, Is.Zero);
            Assert.That(claimed, Is.Empty);
        });
    }
}
