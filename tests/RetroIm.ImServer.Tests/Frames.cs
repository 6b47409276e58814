using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests;

/// <summary>Reading business messages out of received frames, and the "marker" technique for counting copies.</summary>
internal static class Frames
{
    /// <summary>A message frame whose <c>data</c> has <paramref name="property"/> == <paramref name="value"/>.</summary>
    public static bool IsMessageWith(WsFrame frame, string property, string value)
    {
        if (frame.Type != "message") return false;
        var data = frame.MessageData;
        return data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty(property, out var v)
            && v.ValueKind == JsonValueKind.String
            && v.GetString() == value;
    }

    /// <summary>
    /// Sends a direct "marker" message to <paramref name="clientId"/> and reads <paramref name="socket"/> up to it;
    /// returns the frames that came before, leaving out earlier markers (a client with several connections gets every
    /// marker on each of them). The node writes a connection's frames in the order it receives them from
    /// Redis, and Redis delivers one subscriber's messages in publish order, so anything published before the marker
    /// (a channel message, a broadcast) that was going to reach this socket is among them.
    /// </summary>
    public static async Task<IReadOnlyList<WsFrame>> ReadUpToMarkerAsync(ImCluster cluster, string clientId, TestWebSocketClient socket, TimeSpan timeout)
    {
        var marker = Guid.NewGuid().ToString("N");
        await cluster.Client.SendMessageAsync(null, [clientId], new { marker });
        var (_, before) = await socket.ReceiveUntilAsync(f => IsMessageWith(f, "marker", marker), timeout);
        return before.Where(f => !IsMarker(f)).ToList();
    }

    /// <summary>
    /// Sends <paramref name="clientId"/> a fresh direct message, again and again, until one reaches
    /// <paramref name="socket"/> (within <paramref name="timeout"/>). After a Redis outage the nodes' subscribers
    /// reconnect on their own and pub/sub is at-most-once, so a single message may be lost while they catch up.
    /// </summary>
    public static Task SendUntilReceivedAsync(ImCluster cluster, string clientId, TestWebSocketClient socket, TimeSpan timeout, string what)
        => Wait.UntilAsync(
            async () =>
            {
                var text = "probe " + Guid.NewGuid().ToString("N");
                await cluster.Client.SendMessageAsync(null, [clientId], new { text });
                try
                {
                    await socket.ReceiveUntilAsync(f => IsMessageWith(f, "text", text), TimeSpan.FromMilliseconds(500));
                    return true;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            },
            timeout,
            what);

    private static bool IsMarker(WsFrame frame)
        => frame.Type == "message" && frame.MessageData.ValueKind == JsonValueKind.Object && frame.MessageData.TryGetProperty("marker", out _);

    /// <summary>How many frames of <paramref name="frames"/> carry the message with data.<paramref name="property"/> == <paramref name="value"/>.</summary>
    public static int CountMessages(IEnumerable<WsFrame> frames, string property, string value)
        => frames.Count(f => IsMessageWith(f, property, value));
}
