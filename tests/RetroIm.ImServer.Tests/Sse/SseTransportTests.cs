using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Sse;

/// <summary>
/// The fallback transport on real ImServer processes and a real redis-server: <c>GET /sse</c> streams the same frames
/// as <c>/ws</c>, <c>POST /sse/send</c> carries client frames up with the same rights, and the stream recovers.
/// </summary>
[TestFixture]
public sealed class SseTransportTests : ClusterTestBase
{
    [Test]
    public async Task Stream_DirectMessage_ArrivesAfterWelcomeWithPostToken()
    {
        var clientId = NewId("sse");
        var client = Own(await SseTestClient.OpenAsync(await Cluster.ConnectUrlAsync(clientId), Bound));

        await Cluster.Client.SendMessageAsync(null, [clientId], new { n = 1 });
        var message = await client.ReceiveUntilAsync(f => SseTestClient.IsType(f, "message"), Bound);

        Assert.Multiple(() =>
        {
            Assert.That(client.Welcome.GetProperty("clientId").GetString(), Is.EqualTo(clientId));
            Assert.That(Base64Url.DecodeFromChars(client.PostToken), Has.Length.GreaterThanOrEqualTo(16));
            Assert.That(message.GetProperty("data").GetProperty("n").GetInt32(), Is.EqualTo(1));
            Assert.That(message.GetProperty("pos").GetProperty("stream").GetString(), Is.EqualTo("c:" + clientId));
        });
    }

    [Test]
    public async Task Post_Ping_PongArrivesOnTheStream()
    {
        var client = Own(await SseTestClient.OpenAsync(await Cluster.ConnectUrlAsync(NewId("sse")), Bound));

        using var response = await client.PostAsync("""{"type":"ping"}""");
        await client.ReceiveUntilAsync(f => SseTestClient.IsType(f, "pong"), Bound);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Post_WrongOrMissingPostToken_Returns401AndNothingIsHandled()
    {
        var client = Own(await SseTestClient.OpenAsync(await Cluster.ConnectUrlAsync(NewId("sse")), Bound));

        using var wrong = await client.PostAsync("""{"type":"ping","n":1}""", token: Base64Url.EncodeToString(new byte[16]));
        using var garbage = await client.PostAsync("""{"type":"ping","n":2}""", token: "not-a-token");
        using var right = await client.PostAsync("""{"type":"nonsense"}""");
        // The first frame the stream answers is the right POST's: the refused pings never reached the connection.
        var first = await client.NextAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(garbage.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(first.GetProperty("type").GetString(), Is.EqualTo("error"));
            Assert.That(first.GetProperty("code").GetString(), Is.EqualTo("unknown_type"));
        });
    }

    [Test]
    public async Task Post_ClientEvents_SameRightsAsTheWebSocket()
    {
        var clientId = NewId("sse-rights");
        var url = await Cluster.Client.PrevConnectServerAsync(clientId, null, ["event.typing"]);
        var client = Own(await SseTestClient.OpenAsync(url, Bound));

        using var granted = await client.PostAsync("""{"type":"event","event":"typing","data":null,"ackId":1}""");
        var ack = await client.ReceiveUntilAsync(f => f.TryGetProperty("ackId", out var id) && id.GetInt64() == 1, Bound);
        using var refused = await client.PostAsync("""{"type":"event","event":"vote","data":null,"ackId":2}""");
        var error = await client.ReceiveUntilAsync(f => f.TryGetProperty("ackId", out var id) && id.GetInt64() == 2, Bound);

        Assert.Multiple(() =>
        {
            Assert.That(ack.GetProperty("type").GetString(), Is.EqualTo("ack"));
            Assert.That(error.GetProperty("type").GetString(), Is.EqualTo("error"));
            Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("forbidden"));
        });
    }

    [Test]
    public async Task Post_ToNodeNotHoldingTheStream_421NamesTheHolderWhichAccepts()
    {
        var client = Own(await SseTestClient.OpenAsync(await Cluster.IssueUrlForNodeAsync(NewId("sse"), NodeA), Bound));

        using var misdirected = await client.PostAsync("""{"type":"ping"}""", node: NodeB.HttpBase);
        var body = await misdirected.Content.ReadFromJsonAsync<JsonElement>();
        var holder = new Uri(body.GetProperty("url").GetString()!);
        using var accepted = await client.PostAsync("""{"type":"ping"}""", node: holder);
        await client.ReceiveUntilAsync(f => SseTestClient.IsType(f, "pong"), Bound);

        Assert.Multiple(() =>
        {
            Assert.That(misdirected.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
            Assert.That(body.GetProperty("node").GetString(), Is.EqualTo(NodeA.NodeId));
            Assert.That(holder, Is.EqualTo(NodeA.HttpBase));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        });
    }

    [Test]
    public async Task Stream_UsedOrOtherNodesToken_Refused401And421()
    {
        var clientId = NewId("sse");
        var url = await Cluster.IssueUrlForNodeAsync(clientId, NodeA);
        Own(await SseTestClient.OpenAsync(url, Bound));
        var (_, reused, _) = await SseTestClient.TryOpenAsync(url, Bound);
        var otherNodes = await Cluster.IssueUrlForNodeAsync(NewId("sse"), NodeA);
        var (_, misdirected, body) = await SseTestClient.TryOpenAsync(otherNodes.Replace(NodeA.Url, NodeB.Url, StringComparison.Ordinal), Bound);

        Assert.Multiple(() =>
        {
            Assert.That(reused, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(misdirected, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("url").GetString(), Is.EqualTo("http://" + NodeA.NodeId));
        });
    }

    [Test]
    public async Task Stream_ReconnectWithPositions_ReplaysWhatWasMissedThenLive()
    {
        var clientId = NewId("sse-rec");
        var first = await SseTestClient.OpenAsync(await Cluster.ConnectUrlAsync(clientId), Bound);
        await Cluster.Client.SendMessageAsync(null, [clientId], new { n = 1 });
        var seen = await first.ReceiveUntilAsync(f => SseTestClient.IsType(f, "message"), Bound);
        // Whether or not the node noticed the stream end yet, the stream's log holds what follows: positions replay it.
        await first.DisposeAsync();
        await Cluster.Client.SendMessageAsync(null, [clientId], new { n = 2 });
        await Cluster.Client.SendMessageAsync(null, [clientId], new { n = 3 });

        var pos = seen.GetProperty("pos");
        var recover = JsonSerializer.SerializeToUtf8Bytes(new[]
        {
            new { stream = pos.GetProperty("stream").GetString(), epoch = pos.GetProperty("epoch").GetString(), offset = pos.GetProperty("offset").GetInt64() },
        });
        var url = await Cluster.ConnectUrlAsync(clientId) + "&recover=" + Base64Url.EncodeToString(recover);
        var second = Own(await SseTestClient.OpenAsync(url, Bound));
        var replayed = new List<int>();
        var recovered = await second.ReceiveUntilAsync(f =>
        {
            if (SseTestClient.IsType(f, "message")) replayed.Add(f.GetProperty("data").GetProperty("n").GetInt32());
            return SseTestClient.IsType(f, "recovered");
        }, Bound);
        await Cluster.Client.SendMessageAsync(null, [clientId], new { n = 4 });
        var live = await second.ReceiveUntilAsync(f => SseTestClient.IsType(f, "message"), Bound);

        Assert.Multiple(() =>
        {
            Assert.That(replayed, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(recovered.GetProperty("streams")[0].GetProperty("replayed").GetInt32(), Is.EqualTo(2));
            Assert.That(live.GetProperty("data").GetProperty("n").GetInt32(), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task Stream_ForceOffline_EndsWithCloseEvent4001()
    {
        var clientId = NewId("sse-kick");
        var client = Own(await SseTestClient.OpenAsync(await Cluster.ConnectUrlAsync(clientId), Bound));

        await Cluster.Client.ForceOfflineAsync(clientId);
        var close = await client.ReceiveUntilAsync(f => SseTestClient.IsType(f, "close"), Bound);

        Assert.That(close.GetProperty("code").GetInt32(), Is.EqualTo(4001));
    }
}
