using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientChanTests : TwoNodeTestBase
{
    [Test]
    public async Task JoinChanAsync_MembersOnTwoNodes_MembershipStoredAndEachNodeToldOnce()
    {
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("b");

        await Client.JoinChanAsync("room", "a", "b", "c", "a");

        Assert.That(await Client.GetChanClientListAsync("room"), Is.EquivalentTo(new[] { "a", "b", "c" }));
        var p1 = await N1.NextPacketAsync();
        var p2 = await N2.NextPacketAsync();
        foreach (var p in new[] { p1, p2 })
        {
            Assert.That(p.Header.Kind, Is.EqualTo(RelayPacketKind.Join));
            Assert.That(p.Header.Chan, Is.EqualTo("room"));
            Assert.That(p.Header.To, Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(p.Body, Is.Empty);
        }
        Assert.That(N1.PendingPackets + N2.PendingPackets, Is.Zero);
    }

    [Test]
    public async Task LeaveChanAsync_Member_RemovedAndNodeTold()
    {
        await N1.ConnectAsync("a");
        await Client.JoinChanAsync("room", "a", "b");
        await N1.NextPacketAsync();

        await Client.LeaveChanAsync("room", ["a"], CancellationToken.None);

        var packet = await N1.NextPacketAsync();
        Assert.That(packet.Header.Kind, Is.EqualTo(RelayPacketKind.Leave));
        Assert.That(packet.Header.To, Is.EqualTo(new[] { "a" }));
        Assert.That(packet.Header.Chan, Is.EqualTo("room"));
        Assert.That(await Client.GetChanClientListAsync("room"), Is.EqualTo(new[] { "b" }));
        Assert.That(await Client.GetChanListByClientIdAsync("a"), Is.Empty);
    }

    [Test]
    public async Task Queries_TwoChannels_ReportMembersAndOnline()
    {
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("b");
        await Client.JoinChanAsync("room1", "a", "b", "c");
        await Client.JoinChanAsync("room2", "c", "a");

        var list = await Client.GetChanListAsync();

        Assert.That(list.OrderBy(c => c.Chan, StringComparer.Ordinal), Is.EqualTo(new[]
        {
            new ChanInfo("room1", 3, 2),
            new ChanInfo("room2", 2, 1),
        }));
        Assert.That(await Client.GetChanListByClientIdAsync("a"), Is.EquivalentTo(new[] { "room1", "room2" }));
        Assert.That(await Client.GetChanOnlineAsync("room1"), Is.EqualTo(2));
        Assert.That(await Client.GetChanOnlineAsync("empty"), Is.Zero);
    }

    [Test]
    public async Task JoinChanAsync_NoClients_NothingHappens()
    {
        await Client.JoinChanAsync("room");
        Assert.That(await Client.GetChanListAsync(), Is.Empty);
    }

    [Test]
    public void JoinChanAsync_EmptyChannel_ThrowsArgumentException()
    {
        Assert.That(async () => await Client.JoinChanAsync("", "a"), Throws.ArgumentException);
    }
}
