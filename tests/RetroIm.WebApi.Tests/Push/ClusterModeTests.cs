using RetroIm.Testing;

namespace RetroIm.WebApi.Tests.Push;

/// <summary>
/// The WebApi with <c>ImHelper:Redis</c>: a real redis-server and two real ImServer nodes hold the sockets, and the
/// WebApi only issues connect URLs and publishes. (The cluster suite covers the relay itself.)
/// </summary>
[TestFixture]
public sealed class ClusterModeTests
{
    private ImCluster _cluster = null!;
    private RetroAppFactory _app = null!;
    private RetroApiClient _api = null!;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _cluster = await ImCluster.StartAsync(nodeCount: 2);
        _app = new RetroAppFactory(new Dictionary<string, string?> { ["ImHelper:Redis"] = _cluster.RedisConnectionString });
        _api = _app.CreateApiClient();
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        _api?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Test]
    public async Task Health_RedisMode_ReportsRedisAndTwoNodes()
    {
        var health = await _api.GetAsync("/health");

        Assert.That(health.Status, Is.EqualTo(HttpStatusCode.OK), health.ToString());
        Assert.That(health.Json.GetProperty("backplane").Str("kind"), Is.EqualTo("redis"));
        Assert.That(health.Json.GetProperty("backplane").GetProperty("reachable").GetBoolean(), Is.True);
        Assert.That(health.Num("nodes"), Is.EqualTo(2));
    }

    [Test]
    public async Task Changes_ReachParticipantsOnBothNodes()
    {
        var retroId = await _api.CreateRetroAsync();
        // Join until the participants sit on different nodes (rendezvous hashing decides; a few tries suffice).
        var ann = await _api.JoinAsync(retroId, "Ann");
        var bob = await _api.JoinAsync(retroId, "Bob");
        for (var i = 0; i < 20 && _cluster.NodeOf(bob.ConnectUrl!) == _cluster.NodeOf(ann.ConnectUrl!); i++) bob = await _api.JoinAsync(retroId, "Bob");
        Assert.That(_cluster.NodeOf(bob.ConnectUrl!), Is.Not.SameAs(_cluster.NodeOf(ann.ConnectUrl!)), "Ann and Bob on different nodes");
        Assert.That(ann.ConnectUrl, Does.Not.Contain($":{_app.Port}/"), "connect URLs point at the ImServer nodes");

        await using var annSocket = await RetroEvents.ConnectAsync(ann);
        await using var bobSocket = await RetroEvents.ConnectAsync(bob);
        var bobOnline = await RetroEvents.NextOfTypeAsync(annSocket, "participant.online", bob.Id);
        var topic = await _api.AddTopicAsync(ann, "Across nodes");

        var atAnn = await RetroEvents.NextOfTypeAsync(annSocket, "topic.created");
        var atBob = await RetroEvents.NextOfTypeAsync(bobSocket, "topic.created");
        Assert.That(atAnn.GetProperty("topic").Str("id"), Is.EqualTo(topic));
        Assert.That(atBob.GetRawText(), Is.EqualTo(atAnn.GetRawText()));
        Assert.That(bobOnline.GetProperty("version").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var board = await _api.GetBoardAsync(retroId);
        Assert.That(board.GetProperty("participants").EnumerateArray().Where(p => p.Str("id") is var id && (id == ann.Id || id == bob.Id))
            .Select(p => p.GetProperty("online").GetBoolean()), Is.All.True);
    }
}
