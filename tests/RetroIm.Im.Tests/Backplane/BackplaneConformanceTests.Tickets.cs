using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    private static readonly ConnectTicket Ticket = new("-42", "{\"name\":\"Ann\"}", "n1", 1_700_000_000_123);

    [Test]
    public async Task RedeemTicket_StoredForThisNode_ReturnsTicketOnce()
    {
        await Backplane.StoreTicketAsync("tok", Ticket, LongTtl);

        var first = await Backplane.RedeemTicketAsync("tok", "n1");
        var second = await Backplane.RedeemTicketAsync("tok", "n1");

        Assert.That(first.Status, Is.EqualTo(TicketStatus.Ok));
        Assert.That(first.Ticket, Is.EqualTo(Ticket));
        Assert.That(second.Status, Is.EqualTo(TicketStatus.Unknown));
        Assert.That(second.Ticket, Is.Null);
    }

    [Test]
    public async Task RedeemTicket_TwentyConcurrentRedeems_ExactlyOneOk()
    {
        var peer = await PeerAsync();
        await Backplane.StoreTicketAsync("race", Ticket, LongTtl);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => (i % 2 == 0 ? Backplane : peer).RedeemTicketAsync("race", "n1"))));

        Assert.That(results.Count(r => r.Status == TicketStatus.Ok), Is.EqualTo(1));
        Assert.That(results.Count(r => r.Status == TicketStatus.Unknown), Is.EqualTo(19));
    }

    [Test]
    public async Task RedeemTicket_Expired_Unknown()
    {
        await Backplane.StoreTicketAsync("short", Ticket, TimeSpan.FromMilliseconds(100));

        await AdvanceAsync(TimeSpan.FromMilliseconds(300));

        Assert.That((await Backplane.RedeemTicketAsync("short", "n1")).Status, Is.EqualTo(TicketStatus.Unknown));
    }

    [Test]
    public async Task RedeemTicket_NeverIssued_Unknown()
    {
        var result = await Backplane.RedeemTicketAsync("forged", "n1");

        Assert.That(result, Is.EqualTo(new TicketRedeemResult(TicketStatus.Unknown)));
    }

    [Test]
    public async Task RedeemTicket_OtherNode_WrongNodeAndTicketStaysUsable()
    {
        await Backplane.StoreTicketAsync("tok", Ticket, LongTtl);

        var wrong = await Backplane.RedeemTicketAsync("tok", "n2");
        var right = await Backplane.RedeemTicketAsync("tok", "n1");

        Assert.That(wrong, Is.EqualTo(new TicketRedeemResult(TicketStatus.WrongNode, OwnerNodeId: "n1")));
        Assert.That(right.Status, Is.EqualTo(TicketStatus.Ok));
        Assert.That(right.Ticket, Is.EqualTo(Ticket));
    }

    [Test]
    public async Task StoreTicket_NullMetadataAndOddIds_RoundTrips()
    {
        var ticket = new ConnectTicket("ünï code", null, "node:ü 1", 0);
        await Backplane.StoreTicketAsync("a:b/c", ticket, LongTtl);

        var result = await Backplane.RedeemTicketAsync("a:b/c", "node:ü 1");

        Assert.That(result, Is.EqualTo(new TicketRedeemResult(TicketStatus.Ok, ticket)));
    }
}
