using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>The conformance suite on a real redis-server; every test gets its own key prefix on the shared server.</summary>
[TestFixture]
public sealed class RedisBackplaneTests : BackplaneConformanceTests
{
    private readonly Dictionary<IImBackplane, string> _prefixes = [];
    private RedisServer _server = null!;
    private RedisClient _raw = null!;

    [OneTimeSetUp]
    public async Task StartRedisAsync()
    {
        _server = await RedisServer.StartAsync();
        _raw = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString));
    }

    [OneTimeTearDown]
    public async Task StopRedisAsync()
    {
        await _raw.DisposeAsync();
        await _server.DisposeAsync();
    }

    protected override Task<IImBackplane> CreateFreshAsync() => Task.FromResult(Create("t" + Guid.NewGuid().ToString("N") + ":"));

    protected override Task<IImBackplane> CreatePeerAsync(IImBackplane backplane) => Task.FromResult(Create(_prefixes[backplane]));

    // Redis expires by its own clock: real time has to pass (TTLs in these tests are ~100 ms).
    protected override Task AdvanceAsync(TimeSpan duration) => Task.Delay(duration);

    protected override async Task<IReadOnlyList<string>> GetKeysAsync(IImBackplane backplane)
    {
        var prefix = _prefixes[backplane];
        // Prefixes are "t" + hex + ":", so they contain no glob characters.
        var reply = await _raw.ExecuteAsync("KEYS", prefix + "*");
        return reply.Items.Select(k => k.AsString()![prefix.Length..]).Order(StringComparer.Ordinal).ToList();
    }

    private IImBackplane Create(string prefix)
    {
        var backplane = new RedisBackplane(RedisOptions.Parse(_server.ConnectionString + ",prefix=" + prefix));
        _prefixes[backplane] = prefix;
        return backplane;
    }

    [Test]
    public async Task Keys_EveryKeyAndChannel_CarriesThePrefix()
    {
        var prefix = _prefixes[Backplane];
        await Backplane.StoreTicketAsync("tok", new ConnectTicket("a", null, "n1", 0), TimeSpan.FromMinutes(1));
        await Backplane.HeartbeatNodeAsync(new NodeInfo("n1", "ws://n1", 0, 0), TimeSpan.FromMinutes(1));
        await Backplane.AddConnectionAsync(new ConnectionRegistration("n1", "a", "c1", "meta"));
        await Backplane.AddChanMembersAsync("room", ["a"]);
        var channels = await _raw.ExecuteAsync("PUBSUB", "CHANNELS", prefix + "*");

        Assert.That(await GetKeysAsync(Backplane), Is.EqualTo(new[]
        {
            "im:chanmembers:room", "im:chans", "im:client:a", "im:clientchans:a", "im:meta:a", "im:node" + "clients:n1",
            "im:nodeinfo:n1", "im:nodes", "im:online", "im:ticket:tok",
        }));
        Assert.That((await _raw.ExecuteAsync("PTTL", prefix + "im:ticket:tok")).AsInt64(), Is.InRange(1, 60_000));
        Assert.That((await _raw.ExecuteAsync("PTTL", prefix + "im:nodeinfo:n1")).AsInt64(), Is.InRange(1, 60_000));
        var everyKey = (await _raw.ExecuteAsync("KEYS", "*")).Items.Select(k => k.AsString()!);
        Assert.That(everyKey.Where(k => !_prefixes.Values.Any(k.StartsWith)), Is.Empty, "no key without a test's prefix");
        Assert.That(channels.Items, Is.Empty, "nothing subscribed yet");
    }

    [Test]
    public async Task HeartbeatNode_StoredInfoNotJson_BeatsAndPublishesJoined()
    {
        var prefix = _prefixes[Backplane];
        await Backplane.HeartbeatNodeAsync(new NodeInfo("n1", "ws://n1", 0, 0), TimeSpan.FromMinutes(1));
        await _raw.ExecuteAsync("SET", prefix + "im:nodeinfo:n1", "not json");
        var changes = await TopicRecorder.StartAsync(Backplane, ImTopics.NodeChanges);

        Assert.That(await Backplane.HeartbeatNodeAsync(new NodeInfo("n1", "ws://n1", 0, 0), TimeSpan.FromMinutes(1)), Is.False);

        Assert.That(await changes.ReadUntilMarkerAsync(Backplane, ImTopics.NodeChanges), Has.Count.EqualTo(1).And.All.Contains("\"joined\""));
        Assert.That((await Backplane.GetNodesAsync()).Select(n => n.Id), Is.EqualTo(new[] { "n1" }));
    }

    [Test]
    public async Task Subscribe_Topic_SubscribesThePrefixedChannel()
    {
        var prefix = _prefixes[Backplane];
        await Backplane.SubscribeAsync(ImTopics.Events, (_, _) => { });

        var channels = await _raw.ExecuteAsync("PUBSUB", "CHANNELS", prefix + "*");

        Assert.That(channels.Items.Select(c => c.AsString()), Is.EqualTo(new[] { prefix + ImTopics.Events }));
    }

    [Test]
    public async Task PresenceEvent_PublishedByLua_IsThePresenceEventJson()
    {
        var prefix = _prefixes[Backplane];
        var json = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new RedisSubscriber(RedisOptions.Parse(_server.ConnectionString));
        await listener.SubscribeAsync(prefix + ImTopics.Events, (_, payload) => json.TrySetResult(System.Text.Encoding.UTF8.GetString(payload.Span)));

        await Backplane.AddConnectionAsync(new ConnectionRegistration("n/1", "-42", "c1", "{\"a\":\"ü/\\\"\"}"));

        using var parsed = JsonDocument.Parse(await json.Task.WaitAsync(Timeout));
        var root = parsed.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name).Order(), Is.EqualTo(new[] { "clientId", "metadata", "node", "ts", "type" }));
        Assert.That(root.GetProperty("clientId").GetString(), Is.EqualTo("-42"));
        Assert.That(root.GetProperty("node").GetString(), Is.EqualTo("n/1"));
        Assert.That(root.GetProperty("metadata").GetString(), Is.EqualTo("{\"a\":\"ü/\\\"\"}"));
        Assert.That(root.GetProperty("ts").GetInt64(), Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Within(60_000), "Redis TIME in unix ms");
    }

    [Test]
    public async Task RedeemTicket_AfterScriptFlush_StillWorks()
    {
        await Backplane.StoreTicketAsync("tok", new ConnectTicket("a", null, "n1", 0), TimeSpan.FromMinutes(1));
        await _raw.ExecuteAsync("SCRIPT", "FLUSH");

        Assert.That((await Backplane.RedeemTicketAsync("tok", "n1")).Status, Is.EqualTo(TicketStatus.Ok));
    }
}
