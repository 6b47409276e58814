using System.Threading.Channels;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// The same client over a real redis-server: pub/sub is asynchronous here (reports and events arrive on the
/// subscriber connection), unlike the in-memory backplane.
/// </summary>
[TestFixture]
public sealed class ImClientRedisTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private RedisServer _server = null!;
    private RedisBackplane _backplane = null!;
    private Im.ImClient _client = null!;

    [OneTimeSetUp]
    public async Task StartRedisAsync() => _server = await RedisServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopRedisAsync() => await _server.DisposeAsync();

    [SetUp]
    public void SetUp()
    {
        // A fresh prefix per test keeps tests apart on one server.
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        _backplane = new RedisBackplane(RedisOptions.Parse(_server.ConnectionString + ",prefix=" + prefix));
        _client = new Im.ImClient(_backplane, new ImHelperOptions { ReceiptTimeout = TimeSpan.FromSeconds(5) });
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        await _backplane.DisposeAsync();
    }

    [Test]
    public async Task PrevConnectServerAsync_Redis_TicketRedeemsOnceOnTheNamedNode()
    {
        await SimulatedNode.StartAsync(_backplane, "n1");
        var url = await _client.PrevConnectServerAsync("alice", "meta");
        var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];

        var ok = await _backplane.RedeemTicketAsync(token, "n1");
        var again = await _backplane.RedeemTicketAsync(token, "n1");

        Assert.That(ok.Status, Is.EqualTo(TicketStatus.Ok));
        Assert.That(ok.Ticket!.ClientId, Is.EqualTo("alice"));
        Assert.That(ok.Ticket.Metadata, Is.EqualTo("meta"));
        Assert.That(again.Status, Is.EqualTo(TicketStatus.Unknown));
    }

    [Test]
    public async Task SendMessageAsync_RedisReceiptsFromTwoNodes_CombinedIntoOneReceipt()
    {
        var n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        var n2 = await SimulatedNode.StartAsync(_backplane, "n2");
        n1.Receipts = ReceiptMode.HeldLater;
        n2.Receipts = ReceiptMode.HeldLater;
        await n1.ConnectAsync("a");
        await n2.ConnectAsync("b");

        var receipt = await _client.SendMessageAsync("x", ["a", "b", "c"], new { text = "hi" }, receipt: true).WaitAsync(Wait);

        Assert.That(receipt!.Written, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(receipt.Offline, Is.EqualTo(new[] { "c" }));
        Assert.That(receipt.SilentNodes, Is.Empty);
        Assert.That((await n1.NextPacketAsync()).Header.Id, Is.EqualTo(receipt.MessageId));
        Assert.That((await n2.NextPacketAsync()).Header.Id, Is.EqualTo(receipt.MessageId));
    }

    [Test]
    public async Task SendMessageAsync_ManyConcurrentWithReceipts_EachGetsItsOwnReceipt()
    {
        // Concurrent sends are coalesced into shared script calls; each receipt must still wait for its own nodes only.
        var n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        var n2 = await SimulatedNode.StartAsync(_backplane, "n2");
        for (var i = 0; i < 40; i++)
        {
            if (i % 4 == 3) continue; // offline
            await (i % 2 == 0 ? n1 : n2).ConnectAsync("c" + i);
        }

        var sends = Enumerable.Range(0, 40).Select(i => _client.SendMessageAsync("x", ["c" + i], new { i }, receipt: true)).ToArray();
        var receipts = await Task.WhenAll(sends).WaitAsync(Wait);

        Assert.Multiple(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                var online = i % 4 != 3;
                Assert.That(receipts[i]!.Written, Is.EqualTo(online ? new[] { "c" + i } : Array.Empty<string>()), "written " + i);
                Assert.That(receipts[i]!.Offline, Is.EqualTo(online ? Array.Empty<string>() : new[] { "c" + i }), "offline " + i);
                Assert.That(receipts[i]!.SilentNodes, Is.Empty, "silent " + i);
            }
        });
        Assert.That(receipts.Select(r => r!.MessageId).Distinct().Count(), Is.EqualTo(40));
        Assert.That(_backplane.DirectSendBatches, Is.InRange(1, 40));
    }

    [Test]
    public async Task Online_Redis_EventsArriveInOrderWithMetadata()
    {
        var n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        var events = Channel.CreateUnbounded<string>();
        _client.EventBus(e => events.Writer.TryWrite($"online:{e.ClientId}:{e.Metadata}"), e => events.Writer.TryWrite($"offline:{e.ClientId}"));
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        var tab = await n1.ConnectAsync("a", "Alice");
        await n1.DisconnectAsync(tab);

        Assert.That(await events.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("online:a:Alice"));
        Assert.That(await events.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("offline:a"));
    }

    [Test]
    public async Task JoinChanAsync_Redis_MembershipVisibleAndNodeTold()
    {
        var n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        await n1.ConnectAsync("a");

        await _client.JoinChanAsync("room", "a", "b");

        Assert.That(await _client.GetChanListAsync(), Is.EqualTo(new[] { new ChanInfo("room", 2, 1) }));
        var packet = await n1.NextPacketAsync();
        Assert.That(packet.Header.Kind, Is.EqualTo(Protocol.RelayPacketKind.Join));
    }
}
