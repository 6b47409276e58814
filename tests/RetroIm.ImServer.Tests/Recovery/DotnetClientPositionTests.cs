using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using RetroIm.Client;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>
/// The .NET client's position rules: positions from <c>welcome.streams</c> and <c>joined</c> are adopted only for
/// streams it does not track yet (so a replay after a reconnect is never skipped), and a <c>recovered</c> frame never
/// moves a position backwards. On a real node where the node can be made to show the rule; with a scripted endpoint
/// where only a hand-written frame can (a stale <c>recovered</c>, a <c>joined</c> behind the tracked position).
/// </summary>
[TestFixture]
public sealed class DotnetClientPositionTests : ClusterTestBase
{
    private static readonly ImConnectionOptions FastReconnect = new()
    {
        InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };

    protected override Task<ImCluster> StartClusterAsync() => ImCluster.StartAsync(nodeCount: 1);

    protected override bool SharesCluster => false;

    [Test]
    public async Task Welcome_QuietChannelNotTracked_AdoptsItsPositionBeforeAnyMessage()
    {
        var id = NewId("quiet");
        var chan = NewId("quietchan");
        await Cluster.Client.JoinChanAsync(chan, id);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 1 });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 2 });
        var messages = 0;
        await using var connection = new ImConnection(async _ => new Uri(await Cluster.IssueUrlForNodeAsync(id, NodeA)), FastReconnect);
        connection.On("message", _ => Interlocked.Increment(ref messages));

        await connection.StartAsync().WaitAsync(Bound);

        Assert.That(connection.Positions.Single(p => p.Stream == "ch:" + chan).Offset, Is.EqualTo(2));
        Assert.That(Volatile.Read(ref messages), Is.Zero, "history before the connect is not replayed without a position");
    }

    [Test]
    public async Task Welcome_StreamAlreadyTracked_KeepsOwnPositionSoMissedMessagesAreReplayed()
    {
        var id = NewId("tracked");
        var chan = NewId("trackedchan");
        await Cluster.Client.JoinChanAsync(chan, id);
        await using var client = await MovableClient.StartAsync(Cluster, id);
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 1 });
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 2 });
        await client.ReadUntilAsync(e => e.Type == "message" && e.Data.GetProperty("n").GetInt32() == 2, Bound);

        await client.LoseNodeAsync(NodeA, async () =>
        {
            await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 3 });
            await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 4 });
        });
        var replay = await client.ReadUntilAsync(e => e.Type == "recovered", Bound * 3);

        var welcomed = client.Welcomes[^1].Frame.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("stream").GetString() == "ch:" + chan);
        Assert.Multiple(() =>
        {
            Assert.That(welcomed.GetProperty("offset").GetInt64(), Is.EqualTo(4), "the welcome announced the newer position");
            Assert.That(replay.Where(e => e.Type == "message").Select(e => e.Data.GetProperty("n").GetInt32()), Is.EqualTo(new[] { 3, 4 }));
            Assert.That(client.Connection.Positions.Single(p => p.Stream == "ch:" + chan).Offset, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task Joined_ChannelNotTracked_AdoptsItsPositionSoMessagesWhileAwayAreReplayed()
    {
        var id = NewId("joiner");
        var chan = NewId("joinedchan");
        await Cluster.Client.SendChanMessageAsync(null, chan, new { n = 0 });
        await using var client = await MovableClient.StartAsync(Cluster, id);

        await Cluster.Client.JoinChanAsync(chan, id);
        var joined = (await client.ReadUntilAsync(e => e.Type == "joined", Bound))[^1];
        var joinedAt = joined.Frame.GetProperty("pos").GetProperty("offset").GetInt64();
        Assert.That(client.Connection.Positions.Single(p => p.Stream == "ch:" + chan).Offset, Is.EqualTo(joinedAt));

        await client.LoseNodeAsync(NodeA, () => Cluster.Client.SendChanMessageAsync(null, chan, new { n = 1 }));
        var replay = await client.ReadUntilAsync(e => e.Type == "recovered", Bound * 3);

        Assert.That(replay.Where(e => e.Type == "message").Select(e => e.Data.GetProperty("n").GetInt32()), Is.EqualTo(new[] { 1 }),
            "the message sent while away is replayed (without the joined position the welcome's would have skipped it)");
    }

    [Test]
    public async Task WelcomeAndJoined_StreamsAlreadyTracked_KeepTheTrackedPositions()
    {
        await using var relay = ScriptedRelay.Start();
        var (connection, first, received) = await StartScriptedAsync(relay, Welcome(("c:x", "e1", 2), ("ch:room", "e1", 7)));
        await using var owned = connection;

        await ScriptedRelay.SendAsync(first, Message("c:x", "e1", 3));
        await ScriptedRelay.SendAsync(first, """{"type":"joined","chan":"room","pos":{"stream":"ch:room","epoch":"e1","offset":4}}""");
        await ScriptedRelay.SendAsync(first, """{"type":"joined","chan":"new","pos":{"stream":"ch:new","epoch":"e1","offset":6}}""");
        await ScriptedRelay.SendAsync(first, Message("ch:room", "e1", 5)); // at or below 7: a duplicate, dropped
        await ScriptedRelay.SendAsync(first, Message("ch:room", "e1", 8));
        await first.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "scripted loss", CancellationToken.None);

        var (url, second) = await relay.NextConnectionAsync(Bound);
        await ScriptedRelay.SendAsync(second, Welcome(("c:x", "e1", 9), ("ch:room", "e1", 1)));
        await ScriptedRelay.SendAsync(second, Message("c:x", "e1", 4)); // delivered: the welcome did not move c:x to 9

        var offsets = new List<(string, long)>();
        for (var i = 0; i < 3; i++)
        {
            var e = await received.ReadAsync().AsTask().WaitAsync(Bound);
            offsets.Add((e.Position!.Stream, e.Position.Offset));
        }
        Assert.Multiple(() =>
        {
            Assert.That(offsets, Is.EqualTo(new[] { ("c:x", 3L), ("ch:room", 8L), ("c:x", 4L) }));
            Assert.That(Presented(url), Is.EquivalentTo(new[] { ("c:x", 3L), ("ch:room", 8L), ("ch:new", 6L) }));
            Assert.That(connection.Positions, Is.EquivalentTo(new[]
            {
                new ImStreamPosition("c:x", "e1", 4), new ImStreamPosition("ch:room", "e1", 8), new ImStreamPosition("ch:new", "e1", 6),
            }));
        });
    }

    [Test]
    public async Task Recovered_BehindTheTrackedPosition_NeverMovesItBackwards()
    {
        await using var relay = ScriptedRelay.Start();
        var (connection, socket, received) = await StartScriptedAsync(relay, Welcome());
        await using var owned = connection;

        await ScriptedRelay.SendAsync(socket, Message("c:x", "e1", 5));
        // As after a drain move whose old socket delivered past the new one's replay: behind, kept at 5.
        await ScriptedRelay.SendAsync(socket, Recovered(("c:x", "e1", 3), ("ch:room", "e1", 7)));
        await ScriptedRelay.SendAsync(socket, Message("c:x", "e1", 4)); // dropped
        await ScriptedRelay.SendAsync(socket, Recovered(("c:x", "e1", 9))); // ahead: moves
        await ScriptedRelay.SendAsync(socket, Message("c:x", "e1", 8)); // dropped
        await ScriptedRelay.SendAsync(socket, Message("c:x", "e1", 10));
        await ScriptedRelay.SendAsync(socket, Recovered(("c:x", "e2", 1))); // a new epoch: taken as it is
        await ScriptedRelay.SendAsync(socket, Message("c:x", "e2", 2));

        var got = new List<(string, long)>();
        for (var i = 0; i < 3; i++)
        {
            var e = await received.ReadAsync().AsTask().WaitAsync(Bound);
            got.Add((e.Position!.Epoch, e.Position.Offset));
        }
        Assert.Multiple(() =>
        {
            Assert.That(got, Is.EqualTo(new[] { ("e1", 5L), ("e1", 10L), ("e2", 2L) }));
            Assert.That(connection.Positions, Is.EquivalentTo(new[] { new ImStreamPosition("c:x", "e2", 2), new ImStreamPosition("ch:room", "e1", 7) }));
        });
    }

    /// <summary>A client connected to <paramref name="relay"/>, welcomed with <paramref name="welcome"/>; its messages in order.</summary>
    private static async Task<(ImConnection Connection, WebSocket Socket, ChannelReader<ImEnvelope> Messages)> StartScriptedAsync(ScriptedRelay relay, string welcome)
    {
        var received = Channel.CreateUnbounded<ImEnvelope>();
        var connection = new ImConnection(_ => Task.FromResult(relay.Url), FastReconnect);
        connection.On("message", e => received.Writer.TryWrite(e));
        var starting = connection.StartAsync();
        var (_, socket) = await relay.NextConnectionAsync(Bound);
        await ScriptedRelay.SendAsync(socket, welcome);
        await starting.WaitAsync(Bound);
        return (connection, socket, received.Reader);
    }

    private static string Welcome(params (string Stream, string Epoch, long Offset)[] streams)
        => JsonSerializer.Serialize(new
        {
            type = "welcome", clientId = "x", connectionId = "k1", node = "scripted",
            streams = streams.Select(s => new { stream = s.Stream, epoch = s.Epoch, offset = s.Offset }),
        });

    private static string Recovered(params (string Stream, string Epoch, long Offset)[] streams)
        => JsonSerializer.Serialize(new
        {
            type = "recovered",
            streams = streams.Select(s => new { stream = s.Stream, epoch = s.Epoch, offset = s.Offset, replayed = 0 }),
        });

    private static string Message(string stream, string epoch, long offset)
        => JsonSerializer.Serialize(new
        {
            type = "message", id = Guid.NewGuid().ToString("N"), from = (string?)null,
            chan = stream.StartsWith("ch:", StringComparison.Ordinal) ? stream[3..] : null,
            ts = 0, data = new { offset }, pos = new { stream, epoch, offset },
        });

    /// <summary>The (stream, offset) pairs of a connect URL's <c>recover=</c>.</summary>
    private static IEnumerable<(string, long)> Presented(Uri url)
    {
        var query = url.Query.TrimStart('?').Split('&').Single(p => p.StartsWith("recover=", StringComparison.Ordinal))["recover=".Length..];
        using var json = JsonDocument.Parse(Base64Url.DecodeFromChars(query));
        return [.. json.RootElement.EnumerateArray().Select(p => (p.GetProperty("stream").GetString()!, p.GetProperty("offset").GetInt64()))];
    }
}
