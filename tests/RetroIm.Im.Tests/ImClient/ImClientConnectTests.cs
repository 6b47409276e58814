using System.Buffers.Text;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Routing;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientConnectTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private ManualClock _clock = null!;
    private InMemoryBackplane _backplane = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock(Start);
        _backplane = new InMemoryBackplane(_clock);
    }

    [TearDown]
    public async Task TearDown() => await _backplane.DisposeAsync();

    private Im.ImClient NewClient(ImHelperOptions? options = null) => new(_backplane, options, time: _clock);

    private async Task<SimulatedNode[]> StartNodesAsync(params string[] ids)
    {
        var nodes = new SimulatedNode[ids.Length];
        for (var i = 0; i < ids.Length; i++) nodes[i] = await SimulatedNode.StartAsync(_backplane, ids[i]);
        return nodes;
    }

    [Test]
    public async Task PrevConnectServerAsync_ThreeNodes_UrlNamesTheNodeRouterPick()
    {
        var nodes = await StartNodesAsync("10.0.0.1:6001", "10.0.0.2:6001", "10.0.0.3:6001");
        await using var client = NewClient();
        var infos = nodes.Select(n => n.Info).ToArray();

        foreach (var clientId in new[] { "1", "-1", "-9223372036854775808", "alice", "用户" })
        {
            var url = await client.PrevConnectServerAsync(clientId);
            var expected = NodeRouter.Pick(clientId, infos, n => n.Id);
            Assert.That(url, Does.StartWith(expected.Url + "/ws?token="), clientId);
        }
    }

    [Test]
    public async Task PrevConnectServerAsync_Token_Is144RandomBitsInBase64Url()
    {
        await StartNodesAsync("n1");
        await using var client = NewClient();
        var tokens = new HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            var url = await client.PrevConnectServerAsync("42");
            var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
            Assert.That(token, Has.Length.EqualTo(24).And.Match("^[A-Za-z0-9_-]+$"));
            Assert.That(Base64Url.DecodeFromChars(token), Has.Length.EqualTo(18));
            tokens.Add(token);
        }
        Assert.That(tokens, Has.Count.EqualTo(1000));
    }

    [Test]
    public async Task PrevConnectServerAsync_Ticket_BoundToTheNodeWithClientAndMetadata()
    {
        var nodes = await StartNodesAsync("n1", "n2");
        await using var client = NewClient();
        var url = await client.PrevConnectServerAsync("alice", "{\"name\":\"Alice\"}");
        var token = TokenOf(url);
        var owner = nodes.Single(n => url.StartsWith(n.Info.Url + "/", StringComparison.Ordinal));
        var other = nodes.Single(n => n != owner);

        var wrong = await _backplane.RedeemTicketAsync(token, other.Id);
        var ok = await _backplane.RedeemTicketAsync(token, owner.Id);
        var again = await _backplane.RedeemTicketAsync(token, owner.Id);

        Assert.That(wrong.Status, Is.EqualTo(TicketStatus.WrongNode));
        Assert.That(wrong.OwnerNodeId, Is.EqualTo(owner.Id));
        Assert.That(ok.Status, Is.EqualTo(TicketStatus.Ok));
        Assert.That(ok.Ticket, Is.EqualTo(new ConnectTicket("alice", "{\"name\":\"Alice\"}", owner.Id, Start.ToUnixTimeMilliseconds())));
        Assert.That(again.Status, Is.EqualTo(TicketStatus.Unknown));
    }

    [Test]
    public async Task PrevConnectServerAsync_AfterTokenTtl_TicketIsGone()
    {
        await StartNodesAsync("n1");
        await using var client = NewClient(new ImHelperOptions { TokenTtl = TimeSpan.FromSeconds(10) });
        var early = TokenOf(await client.PrevConnectServerAsync("a"));
        var late = TokenOf(await client.PrevConnectServerAsync("a"));

        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That((await _backplane.RedeemTicketAsync(early, "n1")).Status, Is.EqualTo(TicketStatus.Ok));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That((await _backplane.RedeemTicketAsync(late, "n1")).Status, Is.EqualTo(TicketStatus.Unknown));
    }

    [Test]
    public async Task PrevConnectServerAsync_NodeUrlWithTrailingSlash_NoDoubleSlash()
    {
        await SimulatedNode.StartAsync(_backplane, "n1", "wss://im.example.com/");
        await using var client = NewClient();
        Assert.That(await client.PrevConnectServerAsync("a"), Does.StartWith("wss://im.example.com/ws?token="));
    }

    [Test]
    public async Task PrevConnectServerAsync_ServersListed_RoutesOnlyToListedLiveNodes()
    {
        await StartNodesAsync("n1", "n2", "n3");
        // One entry by URL (with a trailing slash), one by id, one not live: only n1 and n3 may be picked.
        await using var client = NewClient(new ImHelperOptions { Servers = ["ws://n1/", "n3", "ws://gone:1"] });
        var picked = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var url = await client.PrevConnectServerAsync("c" + i);
            picked.Add(url[..url.IndexOf("/ws?", StringComparison.Ordinal)]);
        }
        Assert.That(picked, Is.EquivalentTo(new[] { "ws://n1", "ws://n3" }));
    }

    [Test]
    public async Task PrevConnectServerAsync_NoListedServerLive_ThrowsInvalidOperationNamingBoth()
    {
        await StartNodesAsync("n1");
        await using var client = NewClient(new ImHelperOptions { Servers = ["ws://gone:1"] });
        Assert.That(async () => await client.PrevConnectServerAsync("a"),
            Throws.InvalidOperationException.With.Message.Contains("ws://gone:1").And.Message.Contains("n1"));
    }

    [Test]
    public async Task PrevConnectServerAsync_NoNodes_ThrowsInvalidOperation()
    {
        await using var client = NewClient();
        Assert.That(async () => await client.PrevConnectServerAsync("a"), Throws.InvalidOperationException);
    }

    [TestCase("")]
    [TestCase(null)]
    public async Task PrevConnectServerAsync_MissingClientId_ThrowsArgumentException(string? clientId)
    {
        await StartNodesAsync("n1");
        await using var client = NewClient();
        Assert.That(async () => await client.PrevConnectServerAsync(clientId!), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public async Task PrevConnectServerAsync_ClientIdLength_256AcceptedAnd257Rejected()
    {
        await StartNodesAsync("n1");
        await using var client = NewClient();
        Assert.That(await client.PrevConnectServerAsync(new string('x', 256)), Does.Contain("token="));
        Assert.That(async () => await client.PrevConnectServerAsync(new string('x', 257)), Throws.ArgumentException);
    }

    [Test]
    public async Task PrevConnectServerAsync_LongAndGuidIds_RoundTripThroughToString()
    {
        await StartNodesAsync("n1");
        await using var client = NewClient();
        var guid = Guid.NewGuid();

        var fromLong = await _backplane.RedeemTicketAsync(TokenOf(await client.PrevConnectServerAsync(long.MinValue)), "n1");
        var fromGuid = await _backplane.RedeemTicketAsync(TokenOf(await client.PrevConnectServerAsync(guid)), "n1");

        Assert.That(long.Parse(fromLong.Ticket!.ClientId, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(long.MinValue));
        Assert.That(Guid.Parse(fromGuid.Ticket!.ClientId), Is.EqualTo(guid));
    }

    [Test]
    public async Task GetNodesAsync_LiveNodes_ListedById()
    {
        await StartNodesAsync("n2", "n1");
        await using var client = NewClient();
        Assert.That((await client.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "n1", "n2" }));
    }

    private static string TokenOf(string url) => url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
}
