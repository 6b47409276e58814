using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientChanTests
{
    private InMemoryBackplane _backplane = null!;
    private Im.ImClient _client = null!;
    private SimulatedNode _n1 = null!;
    private SimulatedNode _n2 = null!;

    [SetUp]
    public async Task SetUp()
    {
        _backplane = new InMemoryBackplane();
        _client = new Im.ImClient(_backplane);
        _n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        _n2 = await SimulatedNode.StartAsync(_backplane, "n2");
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        await _backplane.DisposeAsync();
    }

    [Test]
    public async Task JoinChanAsync_MembersOnTwoNodes_MembershipStoredAndEachNodeToldOnce()
    {
        await _n1.ConnectAsync("a");
        await _n2.ConnectAsync("b");

        await _client.JoinChanAsync("room", "a", "b", "c", "a");

        Assert.That(await _client.GetChanClientListAsync("room"), Is.EquivalentTo(new[] { "a", "b", "c" }));
        var p1 = await _n1.NextPacketAsync();
        var p2 = await _n2.NextPacketAsync();
        foreach (var p in new[] { p1, p2 })
        {
            Assert.That(p.Header.Kind, Is.EqualTo(RelayPacketKind.Join));
            Assert.That(p.Header.Chan, Is.EqualTo("room"));
            Assert.That(p.Header.To, Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(p.Body, Is.Empty);
        }
        Assert.That(_n1.PendingPackets + _n2.PendingPackets, Is.Zero);
    }

    [Test]
    public async Task LeaveChanAsync_Member_RemovedAndNodeTold()
    {
        await _n1.ConnectAsync("a");
        await _client.JoinChanAsync("room", "a", "b");
        await _n1.NextPacketAsync();

        await _client.LeaveChanAsync("room", ["a"], CancellationToken.None);

        var packet = await _n1.NextPacketAsync();
        Assert.That(packet.Header.Kind, Is.EqualTo(RelayPacketKind.Leave));
        Assert.That(packet.Header.To, Is.EqualTo(new[] { "a" }));
        Assert.That(packet.Header.Chan, Is.EqualTo("room"));
        Assert.That(await _client.GetChanClientListAsync("room"), Is.EqualTo(new[] { "b" }));
        Assert.That(await _client.GetChanListByClientIdAsync("a"), Is.Empty);
    }

    [Test]
    public async Task Queries_TwoChannels_ReportMembersAndOnline()
    {
        await _n1.ConnectAsync("a");
        await _n2.ConnectAsync("b");
        await _client.JoinChanAsync("room1", "a", "b", "c");
        await _client.JoinChanAsync("room2", "c", "a");

        var list = await _client.GetChanListAsync();

        Assert.That(list.OrderBy(c => c.Chan, StringComparer.Ordinal), Is.EqualTo(new[]
        {
            new ChanInfo("room1", 3, 2),
            new ChanInfo("room2", 2, 1),
        }));
        Assert.That(await _client.GetChanListByClientIdAsync("a"), Is.EquivalentTo(new[] { "room1", "room2" }));
        Assert.That(await _client.GetChanOnlineAsync("room1"), Is.EqualTo(2));
        Assert.That(await _client.GetChanOnlineAsync("empty"), Is.Zero);
    }

    [Test]
    public async Task JoinChanAsync_NoClients_NothingHappens()
    {
        await _client.JoinChanAsync("room");
        Assert.That(await _client.GetChanListAsync(), Is.Empty);
    }

    [Test]
    public void JoinChanAsync_EmptyChannel_ThrowsArgumentException()
    {
        Assert.That(async () => await _client.JoinChanAsync("", "a"), Throws.ArgumentException);
    }
}
