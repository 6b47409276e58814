using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.ClientEvents;

/// <summary>Connecting with rights, and business-side ImClients over the shared cluster's Redis.</summary>
public abstract class ClientEventTestBase : ClusterTestBase
{
    /// <summary>Connects through the business API with <paramref name="rights"/> and reads the welcome.</summary>
    protected async Task<TestWebSocketClient> ConnectWithRightsAsync(string clientId, string? metadata, params string[] rights)
    {
        var url = await Cluster.Client.PrevConnectServerAsync(clientId, metadata, rights);
        var socket = Own(await TestWebSocketClient.ConnectAsync(url));
        await socket.ExpectWelcomeAsync(Bound);
        return socket;
    }

    /// <summary>
    /// Another business instance over the cluster's backplane. Each test uses its own consumer group, so the events
    /// other tests send (the stream is shared) never reach it unless it asks for all.
    /// </summary>
    protected ImClient NewBusiness(string group, TimeSpan? claimAfter = null)
        => Own(new ImClient(Cluster.Backplane, new ImHelperOptions { EventsGroup = group, EventsClaimAfter = claimAfter ?? TimeSpan.FromSeconds(30) }));

    /// <summary>Sends a frame with an ackId and returns the node's answer to it (an ack or an error).</summary>
    protected static async Task<WsFrame> SendAndAnswerAsync(TestWebSocketClient socket, string json, long ackId)
    {
        await socket.SendTextAsync(json);
        var (answer, _) = await socket.ReceiveUntilAsync(f => f.Type is "ack" or "error" && f.Json.TryGetProperty("ackId", out var id) && id.GetInt64() == ackId, Bound);
        return answer;
    }

    /// <summary>The socket still answers: a ping gets its pong.</summary>
    protected static async Task AssertStillOpenAsync(TestWebSocketClient socket)
    {
        await socket.SendTextAsync("""{"type":"ping"}""");
        await socket.ReceiveUntilAsync(f => f.Type == "pong", Bound);
    }
}
