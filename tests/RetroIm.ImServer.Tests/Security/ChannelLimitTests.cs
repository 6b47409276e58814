using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.ImServer.Tests.Security;

/// <summary><c>ImHelper:MaxChannelsPerClient</c>: JoinChanAsync refuses to grow a client's channel set past it.</summary>
[TestFixture]
public sealed class ChannelLimitTests : ClusterTestBase
{
    private const int Limit = 3;

    [Test]
    public async Task JoinChanAsync_ClientAtTheLimit_ThrowsNamingClientLimitAndKey()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var im = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = Limit });
        var client = NewId("chans");
        var chans = Enumerable.Range(0, Limit + 1).Select(i => NewId("lim" + i)).ToArray();
        for (var i = 0; i < Limit; i++) await im.JoinChanAsync(chans[i], client);

        var refusal = Assert.ThrowsAsync<InvalidOperationException>(() => im.JoinChanAsync(chans[Limit], client));

        Assert.That(refusal!.Message, Does.Contain(client).And.Contain("ImHelper:MaxChannelsPerClient").And.Contain(Limit.ToString()));
        Assert.That(await im.GetChanListByClientIdAsync(client), Has.Count.EqualTo(Limit));
        Assert.That(await im.GetChanClientListAsync(chans[Limit]), Is.Empty);
    }

    [Test]
    public async Task JoinChanAsync_ClientAtTheLimitJoinsAChannelItIsIn_Allowed()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var im = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = Limit });
        var client = NewId("rejoin");
        var chans = Enumerable.Range(0, Limit).Select(i => NewId("re" + i)).ToArray();
        foreach (var chan in chans) await im.JoinChanAsync(chan, client);

        await im.JoinChanAsync(chans[1], client);

        Assert.That(await im.GetChanListByClientIdAsync(client), Has.Count.EqualTo(Limit));
    }

    [Test]
    public async Task JoinChanAsync_OneOfManyOverTheLimit_NobodyAdded()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var im = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = 1 });
        var full = NewId("full");
        var free = NewId("free");
        await im.JoinChanAsync(NewId("first"), full);
        var chan = NewId("shared");

        Assert.ThrowsAsync<InvalidOperationException>(() => im.JoinChanAsync(chan, free, full));

        Assert.That(await im.GetChanClientListAsync(chan), Is.Empty);
    }

    [Test]
    public async Task JoinChanAsync_AfterLeaving_RoomAgain()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var im = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = 1 });
        var client = NewId("leaver");
        var first = NewId("one");
        await im.JoinChanAsync(first, client);
        await im.LeaveChanAsync(first, client);

        var second = NewId("two");
        await im.JoinChanAsync(second, client);

        Assert.That(await im.GetChanListByClientIdAsync(client), Is.EqualTo(new[] { second }));
    }

    [Test]
    public async Task JoinChanAsync_LimitZero_NoLimit()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var im = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = 0 });
        var client = NewId("unlimited");
        for (var i = 0; i < 5; i++) await im.JoinChanAsync(NewId("u" + i), client);
        Assert.That(await im.GetChanListByClientIdAsync(client), Has.Count.EqualTo(5));
    }

    [Test]
    public void Defaults_HundredChannelsOnBothSides()
    {
        Assert.That(new ImHelperOptions().MaxChannelsPerClient, Is.EqualTo(100));
        Assert.That(new RetroIm.Relay.ImRelayOptions().MaxChannelsPerClient, Is.EqualTo(100));
        Assert.That(new RetroIm.Relay.ImRelayOptions().ConnectsPerSecondPerIp, Is.EqualTo(50));
        Assert.That(new RetroIm.Relay.ImRelayOptions().FramesPerSecond, Is.EqualTo(50));
        Assert.That(new RetroIm.Relay.ImRelayOptions().FrameBurst, Is.EqualTo(100));
    }
}
