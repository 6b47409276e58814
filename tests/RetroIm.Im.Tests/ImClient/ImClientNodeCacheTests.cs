using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Routing;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// The node list connect URLs route with (<see cref="ImHelperOptions.NodeListMaxAge"/>) over the in-memory backplane,
/// whose pub/sub delivers before the publishing call returns, and a clock whose monotonic time moves only by hand.
/// <see cref="Im.ImClient.NodeListFetches"/> counts the backplane reads routing made.
/// </summary>
[TestFixture]
public sealed class ImClientNodeCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NodeTtl = TimeSpan.FromMinutes(5);
    private SteppedClock _clock = null!;
    private InMemoryBackplane _backplane = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new SteppedClock();
        _backplane = new InMemoryBackplane(_clock);
    }

    [TearDown]
    public async Task TearDown() => await _backplane.DisposeAsync();

    private Im.ImClient NewClient(TimeSpan? maxAge = null)
        => new(_backplane, new ImHelperOptions { NodeListMaxAge = maxAge ?? TimeSpan.FromSeconds(1) }, time: _clock);

    private Task HeartbeatAsync(string id, bool draining = false)
        => _backplane.HeartbeatNodeAsync(new NodeInfo(id, "ws://" + id, 0, 1_700_000_000_000, draining), NodeTtl);

    /// <summary>One URL starts the subscription; once it is live, one more fills the cache.</summary>
    private static async Task WarmAsync(Im.ImClient client)
    {
        await client.PrevConnectServerAsync("warm");
        await client.NodeChangesSubscription.WaitAsync(Bound);
        await client.PrevConnectServerAsync("warm");
    }

    private static async Task<HashSet<string>> HostsAsync(Im.ImClient client, int urls)
    {
        var hosts = new HashSet<string>();
        for (var i = 0; i < urls; i++)
        {
            var url = await client.PrevConnectServerAsync("c" + i);
            hosts.Add(url[..url.IndexOf("/ws?", StringComparison.Ordinal)]);
        }
        return hosts;
    }

    [Test]
    public async Task PrevConnectServer_CacheWarm_ManyUrlsWithoutReadingTheNodes()
    {
        await HeartbeatAsync("n1");
        await HeartbeatAsync("n2");
        await using var client = NewClient();
        await WarmAsync(client);
        var reads = client.NodeListFetches;

        var hosts = await HostsAsync(client, 100);

        Assert.That(client.NodeListFetches, Is.EqualTo(reads));
        Assert.That(hosts, Is.EquivalentTo(new[] { "ws://n1", "ws://n2" }));
    }

    [Test]
    public async Task PrevConnectServer_MaxAgePassed_ReadsOnceMore()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.FromSeconds(1));
        await WarmAsync(client);
        var reads = client.NodeListFetches;

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        await client.PrevConnectServerAsync("a");
        Assert.That(client.NodeListFetches, Is.EqualTo(reads), "younger than the max age");

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await HostsAsync(client, 10);
        Assert.That(client.NodeListFetches, Is.EqualTo(reads + 1), "one read, then cached again");
    }

    [Test]
    public async Task PrevConnectServer_NodeBeginsDraining_NextUrlsRouteAroundIt()
    {
        await HeartbeatAsync("n1");
        await HeartbeatAsync("n2");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);
        var reads = client.NodeListFetches;

        await HeartbeatAsync("n2", draining: true);

        Assert.That(await HostsAsync(client, 100), Is.EquivalentTo(new[] { "ws://n1" }), "the max age (1 h) is not what moved it");
        Assert.That(client.NodeListFetches, Is.EqualTo(reads + 1));
    }

    [Test]
    public async Task PrevConnectServer_NodeJoins_RoutedAsByTheFreshList()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);

        await HeartbeatAsync("n2");

        var both = new[] { new NodeInfo("n1", "ws://n1", 0, 0), new NodeInfo("n2", "ws://n2", 0, 0) };
        for (var i = 0; i < 50; i++)
        {
            var expected = NodeRouter.Pick("c" + i, both, n => n.Id);
            Assert.That(await client.PrevConnectServerAsync("c" + i), Does.StartWith(expected.Url + "/ws?"));
        }
    }

    [Test]
    public async Task PrevConnectServer_NodeLeavesOrIsReaped_NoLongerIssued()
    {
        await HeartbeatAsync("n1");
        await HeartbeatAsync("n2");
        await _backplane.HeartbeatNodeAsync(new NodeInfo("n3", "ws://n3", 0, 0), TimeSpan.FromSeconds(30));
        await using var client = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(client);

        await _backplane.RemoveNodeAsync("n2");
        Assert.That(await HostsAsync(client, 100), Is.EquivalentTo(new[] { "ws://n1", "ws://n3" }));

        _clock.Advance(TimeSpan.FromMinutes(1));
        await _backplane.ReapExpiredNodesAsync();
        Assert.That(await HostsAsync(client, 100), Is.EquivalentTo(new[] { "ws://n1" }));
    }

    [Test]
    public async Task PrevConnectServer_MaxAgeZero_ReadsEveryTimeAndSubscribesNothing()
    {
        await HeartbeatAsync("n1");
        await using var client = NewClient(TimeSpan.Zero);

        await HostsAsync(client, 20);

        Assert.That(client.NodeListFetches, Is.EqualTo(20));
        Assert.That(await _backplane.PublishAsync(ImTopics.NodeChanges, "x"u8.ToArray()), Is.Zero, "no subscriber");
    }

    [Test]
    public async Task DisposeAsync_CacheOn_UnsubscribesNodeChanges()
    {
        await HeartbeatAsync("n1");
        var client = NewClient();
        await WarmAsync(client);
        Assert.That(await _backplane.PublishAsync(ImTopics.NodeChanges, "x"u8.ToArray()), Is.EqualTo(1));

        await client.DisposeAsync();

        Assert.That(await _backplane.PublishAsync(ImTopics.NodeChanges, "x"u8.ToArray()), Is.Zero);
    }

    [Test]
    public async Task PrevConnectServer_TwoClientsOnOneBackplane_BothHearChangesAfterOneIsDisposed()
    {
        // A backplane keeps one handler per topic: the clients share one subscription instead of replacing each other's.
        await HeartbeatAsync("n1");
        await HeartbeatAsync("n2");
        await using var first = NewClient(TimeSpan.FromHours(1));
        var second = NewClient(TimeSpan.FromHours(1));
        await WarmAsync(first);
        await WarmAsync(second);

        await HeartbeatAsync("n2", draining: true);
        Assert.That(await HostsAsync(first, 50), Is.EquivalentTo(new[] { "ws://n1" }));
        Assert.That(await HostsAsync(second, 50), Is.EquivalentTo(new[] { "ws://n1" }));

        await second.DisposeAsync();
        await _backplane.RemoveNodeAsync("n2");
        await HeartbeatAsync("n3");
        Assert.That(await HostsAsync(first, 50), Is.EquivalentTo(new[] { "ws://n1", "ws://n3" }), "still subscribed");
    }

    [Test]
    public void Constructor_NegativeNodeListMaxAge_Throws()
    {
        Assert.That(() => new Im.ImClient(_backplane, new ImHelperOptions { NodeListMaxAge = TimeSpan.FromMilliseconds(-1) }),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>Wall clock and monotonic clock both move only by hand (timers still run on real time).</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks;

        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks));

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
