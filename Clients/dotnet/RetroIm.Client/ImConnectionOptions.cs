using System.Net.WebSockets;
using System.Text.Json;

namespace RetroIm.Client;

/// <summary>Settings of an <see cref="ImConnection"/>; the defaults suit most apps.</summary>
public sealed class ImConnectionOptions
{
    /// <summary>How often a <c>{"type":"ping"}</c> is sent while open. Default 15 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>With nothing received for this long (not even a pong), the connection is treated as dead and replaced. Default 40 s.</summary>
    public TimeSpan ServerTimeout { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>How long one attempt may take: the connect URL, the WebSocket handshake and the welcome. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="ImConnection.CloseAsync"/> waits for the relay to answer the close. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Reconnect after the connection drops (never after a kick, close code 4001). Default true.</summary>
    public bool AutoReconnect { get; set; } = true;

    /// <summary>Present the last position per stream on reconnect, so the relay replays what was missed. Default true.</summary>
    public bool Recover { get; set; } = true;

    /// <summary>The first reconnect waits about this long; each failure doubles it, up to <see cref="MaxReconnectDelay"/>. Default 0.5 s.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between reconnect attempts. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up (state <see cref="ImConnectionState.Closed"/>) after this many failed attempts in a row; null: never. Default null.</summary>
    public int? MaxReconnectAttempts { get; set; }

    /// <summary>The largest frame accepted from the relay; a larger one drops the connection. Default 1 MiB.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>How <see cref="ImConnection.SendAsync"/> and <see cref="ImEnvelope.DataAs{T}"/> map objects to JSON (web defaults).</summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>Adjusts each WebSocket before it connects (headers, proxy, certificates).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }
}
