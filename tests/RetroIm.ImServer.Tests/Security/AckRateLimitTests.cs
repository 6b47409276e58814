using System.Net.WebSockets;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>
/// Acks and pings have a budget of their own (<c>ImServer:ControlFramesPerSecond</c>/<c>ControlFrameBurst</c>), apart
/// from the data-frame limit: a client acking every message of a busy stream stays connected, a flood of acks does not.
/// </summary>
[TestFixture]
public sealed class AckRateLimitTests : OwnNodeTestBase
{
    private const int FramesPerSecond = 10;
    private const int FrameBurst = 20;
    private const int ControlFramesPerSecond = 100;
    private const int ControlFrameBurst = 200;

    protected override IEnumerable<string> NodeArgs =>
    [
        $"--ImServer:FramesPerSecond={FramesPerSecond}",
        $"--ImServer:FrameBurst={FrameBurst}",
        $"--ImServer:ControlFramesPerSecond={ControlFramesPerSecond}",
        $"--ImServer:ControlFrameBurst={ControlFrameBurst}",
    ];

    [Test]
    public async Task Receive_ClientAcksEveryMessageOfABusyStream_StaysOpen()
    {
        var client = NewId("acker");
        var socket = await ConnectToAsync(client, NodeA);
        const int Messages = FrameBurst * 6; // far over the data-frame burst, well within the ack budget

        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++) await Cluster.Client.SendMessageAsync(null, [client], new { n = i });
        });
        for (var acked = 0; acked < Messages;)
        {
            var frame = await socket.ReceiveAsync(Bound);
            if (frame.Type != "message") continue;
            var pos = frame.Json.GetProperty("pos");
            await socket.SendTextAsync($$"""{"type":"ack","stream":"{{pos.GetProperty("stream").GetString()}}","offset":{{pos.GetProperty("offset").GetInt64()}}}""");
            acked++;
        }
        await sending.WaitAsync(Bound);

        await socket.SendTextAsync("""{"type":"ping"}""");
        var (pong, _) = await socket.ReceiveUntilAsync(f => f.Type == "pong", Bound);
        Assert.That(pong.Type, Is.EqualTo("pong"));
        Assert.That(socket.Closed.IsCompleted, Is.False, "acking a busy stream is not abuse");
        // The data-frame budget was not spent by the acks: a burst of data frames still passes.
        for (var i = 0; i < FrameBurst - 2; i++) await socket.SendTextAsync("""{"type":"nope"}""");
        for (var i = 0; i < FrameBurst - 2; i++) await socket.ExpectAsync("error", Bound);
        Assert.That(socket.Closed.IsCompleted, Is.False);
    }

    [Test]
    public async Task Receive_AckFlood_Closed1008AckRateLimit()
    {
        var client = NewId("ack-flood");
        var socket = await ConnectToAsync(client, NodeA);

        try
        {
            for (var i = 1; i <= ControlFrameBurst * 5; i++) await socket.SendTextAsync($$"""{"type":"ack","stream":"c:{{client}}","offset":{{i}}}""");
        }
        catch (WebSocketException)
        {
            // The node closed while we were still flooding.
        }

        var closed = await socket.WaitClosedAsync(Bound);
        Assert.That(closed.Status, Is.EqualTo(1008), closed.ToString());
        Assert.That(closed.Description, Is.EqualTo("ack rate limit"));
    }

    [Test]
    public async Task Receive_PingFlood_Closed1008AckRateLimit()
    {
        var socket = await ConnectToAsync(NewId("ping-flood"), NodeA);

        try
        {
            for (var i = 0; i < ControlFrameBurst * 5; i++) await socket.SendTextAsync("""{"type":"ping"}""");
        }
        catch (WebSocketException)
        {
        }

        var closed = await socket.WaitClosedAsync(Bound);
        Assert.That(closed.Status, Is.EqualTo(1008), closed.ToString());
        Assert.That(closed.Description, Is.EqualTo("ack rate limit"));
    }
}
