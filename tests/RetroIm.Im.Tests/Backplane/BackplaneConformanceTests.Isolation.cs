using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task SeparateBackplanes_SameIds_ShareNoStateOrMessages()
    {
        var other = await FreshAsync();
        var otherEvents = await BackplaneEventRecorder.StartAsync(other);
        var otherInbox = await TopicRecorder.StartAsync(other, ImTopics.Node("n1"), ImTopics.All);
        await Backplane.StoreTicketAsync("tok", Ticket, LongTtl);
        await Backplane.HeartbeatNodeAsync(Node("n1"), LongTtl);
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddChanMembersAsync("room", ["a"]);
        await Backplane.PublishToClientsAsync(["a"], "direct"u8.ToArray());
        await Backplane.PublishAsync(ImTopics.All, "broadcast"u8.ToArray());

        Assert.That((await other.RedeemTicketAsync("tok", "n1")).Status, Is.EqualTo(TicketStatus.Unknown));
        Assert.That(await other.HeartbeatNodeAsync(Node("n1"), LongTtl), Is.True);
        Assert.That(await other.IsOnlineAsync("a"), Is.False);
        Assert.That(await other.GetChansAsync(), Is.Empty);
        Assert.That(await other.GetClientChansAsync("a"), Is.Empty);
        Assert.That((await other.PublishToClientsAsync(["a"], "x"u8.ToArray())).OfflineClientIds, Is.EqualTo(new[] { "a" }));
        Assert.That(await otherEvents.ReadUntilMarkerAsync(other), Is.Empty, "the first backplane's online event");
        Assert.That(await otherInbox.ReadUntilMarkerAsync(other, ImTopics.Node("n1")), Is.Empty);
        Assert.That(await otherInbox.ReadUntilMarkerAsync(other, ImTopics.All), Is.Empty);

        await other.RemoveNodeAsync("n1");

        Assert.That((await Backplane.RedeemTicketAsync("tok", "n1")).Status, Is.EqualTo(TicketStatus.Ok), "the other's lookups consumed nothing");
        Assert.That(await Backplane.IsOnlineAsync("a"), Is.True);
        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "n1" }));
    }
}
