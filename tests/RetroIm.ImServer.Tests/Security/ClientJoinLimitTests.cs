using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>
/// Clients' own <c>join</c> frames (right <c>joinLeaveChan.&lt;chan&gt;</c>) obey the channels-per-client limit, through
/// the same atomic backplane check ImHelper's JoinChanAsync uses, so neither path can take a client past it.
/// </summary>
[TestFixture]
public sealed class ClientJoinLimitTests : OwnNodeTestBase
{
    private const int Limit = 2;

    protected override IEnumerable<string> NodeArgs => [$"--ImServer:MaxChannelsPerClient={Limit}"];

    [Test]
    public async Task JoinFrame_PastTheLimit_ChannelLimitErrorNotAMemberAndStillOpen()
    {
        var client = NewId("joiner");
        var socket = await ConnectWithRightsAsync(client, "joinLeaveChan.*");
        var chans = Enumerable.Range(0, Limit + 1).Select(i => NewId("room" + i)).ToArray();

        for (var i = 0; i < Limit; i++) Assert.That((await JoinAsync(socket, chans[i], i + 1)).Type, Is.EqualTo("ack"));
        var refused = await JoinAsync(socket, chans[Limit], 10);

        Assert.Multiple(async () =>
        {
            Assert.That(refused.Type, Is.EqualTo("error"));
            Assert.That(refused.Str("code"), Is.EqualTo("channel_limit"));
            Assert.That(refused.Str("message"), Does.Contain(Limit.ToString()).And.Contain(chans[Limit]));
            Assert.That(await Cluster.Client.GetChanClientListAsync(chans[Limit]), Is.Empty);
            Assert.That(await Cluster.Client.GetChanListByClientIdAsync(client), Has.Count.EqualTo(Limit));
        });
        await socket.SendTextAsync("""{"type":"ping"}""");
        await socket.ReceiveUntilAsync(f => f.Type == "pong", Bound);

        // Leaving makes room again.
        await socket.SendTextAsync($$"""{"type":"leave","chan":"{{chans[0]}}","ackId":20}""");
        await socket.ReceiveUntilAsync(f => f.Type == "ack" && f.Json.GetProperty("ackId").GetInt64() == 20, Bound);
        Assert.That((await JoinAsync(socket, chans[Limit], 21)).Type, Is.EqualTo("ack"));
    }

    [Test]
    public async Task BothPaths_ShareOneLimit_NeitherOvershoots()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var business = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = Limit });
        var client = NewId("both");
        var socket = await ConnectWithRightsAsync(client, "joinLeaveChan.*");

        await business.JoinChanAsync(NewId("by-business"), client);
        Assert.That((await JoinAsync(socket, NewId("by-client"), 1)).Type, Is.EqualTo("ack"));

        var byClient = await JoinAsync(socket, NewId("client-again"), 2);
        var byBusiness = Assert.ThrowsAsync<InvalidOperationException>(() => business.JoinChanAsync(NewId("business-again"), client));

        Assert.That(byClient.Str("code"), Is.EqualTo("channel_limit"));
        Assert.That(byBusiness!.Message, Does.Contain("ImHelper:MaxChannelsPerClient"));
        Assert.That(await business.GetChanListByClientIdAsync(client), Has.Count.EqualTo(Limit));
    }

    [Test]
    public async Task JoinChanAsync_ManyConcurrentJoins_StopsExactlyAtTheLimit()
    {
        await using var backplane = new RedisBackplane(RedisOptions.Parse(Cluster.RedisConnectionString));
        await using var business = new ImClient(backplane, new ImHelperOptions { MaxChannelsPerClient = Limit });
        var client = NewId("racer");

        var joins = Enumerable.Range(0, 16).Select(i => Task.Run(() => business.JoinChanAsync(NewId("race" + i), client))).ToArray();
        await Task.WhenAll(joins.Select(j => j.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);

        Assert.That(await business.GetChanListByClientIdAsync(client), Has.Count.EqualTo(Limit), "checked atomically with the write");
        Assert.That(joins.Count(j => j.IsCompletedSuccessfully), Is.EqualTo(Limit));
        Assert.That(joins.Where(j => j.IsFaulted).Select(j => j.Exception!.InnerException), Is.All.TypeOf<InvalidOperationException>());
    }

    private async Task<TestWebSocketClient> ConnectWithRightsAsync(string clientId, params string[] rights)
    {
        var url = await Cluster.Client.PrevConnectServerAsync(clientId, null, rights);
        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        await socket.ExpectWelcomeAsync(Bound);
        return socket;
    }

    private static async Task<WsFrame> JoinAsync(TestWebSocketClient socket, string chan, long ackId)
    {
        await socket.SendTextAsync($$"""{"type":"join","chan":"{{chan}}","ackId":{{ackId}}}""");
        var (answer, _) = await socket.ReceiveUntilAsync(
            f => f.Type is "ack" or "error" && f.Json.TryGetProperty("ackId", out var id) && id.GetInt64() == ackId, Bound);
        return answer;
    }
}
