using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task AddConnection_TwoConnections_OnlineOnceOfflineOnlyAfterBoth()
    {
        var events = await BackplaneEventRecorder.StartAsync(Backplane);

        await Backplane.AddConnectionAsync(Conn("n1", "42", "c1", "tab 1"));
        await Backplane.AddConnectionAsync(Conn("n2", "42", "c2", "tab 2"));
        await Backplane.RemoveConnectionAsync(Conn("n1", "42", "c1", "tab 1"));

        var online = await events.NextAsync();
        Assert.That(online with { Ts = 0 }, Is.EqualTo(new PresenceEvent(PresenceEvent.Online, "42", "n1", "tab 1", 0)));
        Assert.That(online.Ts, Is.GreaterThan(1_600_000_000_000), "unix milliseconds");
        Assert.That(await events.ReadUntilMarkerAsync(Backplane), Is.Empty, "no second online, no offline while a tab is open");
        Assert.That(await Backplane.IsOnlineAsync("42"), Is.True);

        await Backplane.RemoveConnectionAsync(Conn("n2", "42", "c2"));

        var offline = await events.NextAsync();
        Assert.That(offline with { Ts = 0 }, Is.EqualTo(new PresenceEvent(PresenceEvent.Offline, "42", "n2", "tab 2", 0)), "the latest connection's metadata");
        Assert.That(await Backplane.IsOnlineAsync("42"), Is.False);
        Assert.That(await GetKeysAsync(Backplane), Is.Empty);
    }

    [Test]
    public async Task GetClientNodes_ConnectionsOnTwoNodes_CountsPerNode()
    {
        await Backplane.AddConnectionAsync(Conn("n1", "a", "c1"));
        await Backplane.AddConnectionAsync(Conn("n1", "a", "c2"));
        await Backplane.AddConnectionAsync(Conn("n2", "a", "c3"));

        Assert.That(await Backplane.GetClientNodesAsync("a"), Is.EqualTo(new Dictionary<string, long> { ["n1"] = 2, ["n2"] = 1 }));
        Assert.That(await Backplane.GetClientNodesAsync("nobody"), Is.Empty);
    }

    [Test]
    public async Task RemoveConnection_Unknown_IsNoOpAndCountsNeverGoNegative()
    {
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        await Backplane.RemoveConnectionAsync(Conn("n1", "ghost"));
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.RemoveConnectionAsync(Conn("n2", "a"));
        await Backplane.RemoveConnectionAsync(Conn("n1", "a"));
        await Backplane.RemoveConnectionAsync(Conn("n1", "a"));

        await Backplane.AddConnectionAsync(Conn("n1", "a"));

        var seen = await events.ReadUntilMarkerAsync(Backplane);
        Assert.That(seen.Select(e => (e.Type, e.ClientId)), Is.EqualTo(new[]
        {
            (PresenceEvent.Online, "a"), (PresenceEvent.Offline, "a"), (PresenceEvent.Online, "a"),
        }));
        Assert.That(await Backplane.GetClientNodesAsync("a"), Is.EqualTo(new Dictionary<string, long> { ["n1"] = 1 }));
        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task AddConnection_MemberOfChannels_ReturnsThemSorted()
    {
        await Backplane.AddChanMembersAsync("zeta", ["a"]);
        await Backplane.AddChanMembersAsync("alpha", ["a", "b"]);

        var chans = await Backplane.AddConnectionAsync(Conn("n1", "a"));

        Assert.That(chans, Is.EqualTo(new[] { "alpha", "zeta" }));
        Assert.That(await Backplane.AddConnectionAsync(Conn("n1", "c")), Is.Empty);
    }

    [Test]
    public async Task GetOnlineClients_SeveralClients_SortedAndDistinct()
    {
        await Backplane.AddConnectionAsync(Conn("n1", "b"));
        await Backplane.AddConnectionAsync(Conn("n2", "b"));
        await Backplane.AddConnectionAsync(Conn("n1", "a"));

        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.EqualTo(new[] { "a", "b" }));
    }

    [TestCase("-42")]
    [TestCase("ünï code")]
    [TestCase("a:b")]
    [TestCase("*?[x]\\ \"quoted\"")]
    public async Task ClientIds_NegativeAndNonNumeric_WorkEverywhere(string clientId)
    {
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        var inbox = await TopicRecorder.StartAsync(Backplane, ImTopics.Node("n1"));
        await Backplane.AddChanMembersAsync("room:" + clientId, [clientId]);

        var chans = await Backplane.AddConnectionAsync(Conn("n1", clientId, metadata: clientId));
        var published = await Backplane.PublishToClientsAsync([clientId], "hi"u8.ToArray());

        Assert.That(chans, Is.EqualTo(new[] { "room:" + clientId }));
        Assert.That((await events.NextAsync()) with { Ts = 0 }, Is.EqualTo(new PresenceEvent(PresenceEvent.Online, clientId, "n1", clientId, 0)));
        Assert.That(published.NodeIds, Is.EqualTo(new[] { "n1" }));
        Assert.That(await inbox.NextAsync(ImTopics.Node("n1")), Is.EqualTo("hi"));
        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.EqualTo(new[] { clientId }));
        Assert.That(await Backplane.GetChanMembersAsync("room:" + clientId), Is.EqualTo(new[] { clientId }));
        Assert.That(await Backplane.GetChanOnlineAsync("room:" + clientId), Is.EqualTo(1));

        await Backplane.RemoveConnectionAsync(Conn("n1", clientId));
        await Backplane.RemoveChanMembersAsync("room:" + clientId, [clientId]);

        Assert.That((await events.NextAsync()) with { Ts = 0 }, Is.EqualTo(new PresenceEvent(PresenceEvent.Offline, clientId, "n1", clientId, 0)));
        Assert.That(await GetKeysAsync(Backplane), Is.Empty);
    }

    [Test]
    public async Task AddAndRemoveConnections_ManyConcurrently_BalancedEventsAndNoState()
    {
        var peer = await PeerAsync();
        var events = await BackplaneEventRecorder.StartAsync(Backplane);
        var clients = Enumerable.Range(0, 40).Select(i => "c" + i).ToArray();

        await Task.WhenAll(clients.SelectMany(client => new[] { "n1", "n2" }.Select((node, i) => Task.Run(async () =>
        {
            var owner = i == 0 ? Backplane : peer;
            await owner.AddConnectionAsync(Conn(node, client));
            await owner.AddConnectionAsync(Conn(node, client, "c2"));
            await owner.RemoveConnectionAsync(Conn(node, client));
            await owner.RemoveConnectionAsync(Conn(node, client, "c2"));
        }))));

        var seen = await events.ReadUntilMarkerAsync(Backplane);
        foreach (var client in clients)
        {
            var types = seen.Where(e => e.ClientId == client).Select(e => e.Type).ToList();
            Assert.That(types.Count, Is.EqualTo(2).Or.EqualTo(4), client);
            for (var i = 0; i < types.Count; i++)
            {
                Assert.That(types[i], Is.EqualTo(i % 2 == 0 ? PresenceEvent.Online : PresenceEvent.Offline), $"{client} alternates online/offline");
            }
        }
        Assert.That(await Backplane.GetOnlineClientsAsync(), Is.Empty);
        Assert.That(await GetKeysAsync(Backplane), Is.Empty);
    }
}
