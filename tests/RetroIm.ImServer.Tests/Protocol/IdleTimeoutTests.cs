using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Protocol;

[TestFixture]
public sealed class IdleTimeoutTests : ClusterTestBase
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    [Test]
    public async Task IdleTimeout_ClientOnlyAnsweringKeepAlivePings_StillClosedWith4002()
    {
        // The node PINGs every half second and the client's WebSocket answers each with a PONG: alive, but idle.
        var node = await Cluster.StartNodeAsync([$"--ImServer:IdleTimeout={IdleTimeout:c}", "--ImServer:KeepAliveInterval=00:00:00.5"]);
        try
        {
            var quiet = NewId("ponging");
            var socket = await ConnectToAsync(quiet, node);

            var close = await socket.WaitClosedAsync(IdleTimeout * 5);
            Assert.That(close.Status, Is.EqualTo(ImCloseCodes.IdleTimeout), close.ToString());
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }

    [Test]
    public async Task IdleTimeout_SilentClient_ClosedWith4002WhileAPingingClientStays()
    {
        var node = await Cluster.StartNodeAsync([$"--ImServer:IdleTimeout={IdleTimeout:c}"]);
        try
        {
            var silent = NewId("silent");
            var pinger = NewId("pinger");
            var silentSocket = await ConnectToAsync(silent, node);
            var pingerSocket = await ConnectToAsync(pinger, node);
            using var stopPinging = new CancellationTokenSource();
            var pinging = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(400));
                while (await timer.WaitForNextTickAsync(stopPinging.Token))
                {
                    await pingerSocket.SendTextAsync("""{"type":"ping"}""", stopPinging.Token);
                }
            });

            var close = await silentSocket.WaitClosedAsync(IdleTimeout * 5);
            Assert.That(close.Status, Is.EqualTo(ImCloseCodes.IdleTimeout), close.ToString());
            await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, silent, Bound);

            // The pinger has been connected longer than the idle timeout by now, and is still served.
            Assert.That(pingerSocket.Closed.IsCompleted, Is.False, "a client that sends pings is not idle");
            await Cluster.Client.SendMessageAsync(null, [pinger], new { text = "still here" });
            var (frame, _) = await pingerSocket.ReceiveUntilAsync(f => f.Type == "message", Bound);
            Assert.That(frame.MessageData.GetProperty("text").GetString(), Is.EqualTo("still here"));
            await stopPinging.CancelAsync();
            try
            {
                await pinging;
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        }
        finally
        {
            await Cluster.RemoveNodeAsync(node);
        }
    }
}
