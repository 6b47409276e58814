using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>What a client SDK does: remembers the last position per stream and presents them when reconnecting.</summary>
internal sealed class StreamPositions
{
    private readonly Dictionary<string, (string Epoch, long Offset)> _last = new(StringComparer.Ordinal);

    public (string Epoch, long Offset) this[string stream] => _last[stream];

    /// <summary>The frame's position, or null for a frame without one.</summary>
    public static (string Stream, string Epoch, long Offset)? Of(WsFrame frame)
    {
        if (frame.Type != "message" || !frame.Json.TryGetProperty("pos", out var pos)) return null;
        return (pos.GetProperty("stream").GetString()!, pos.GetProperty("epoch").GetString()!, pos.GetProperty("offset").GetInt64());
    }

    /// <summary>Remembers the position of a message frame (frames without one are ignored).</summary>
    public void Track(WsFrame frame)
    {
        if (Of(frame) is { } p) _last[p.Stream] = (p.Epoch, p.Offset);
    }

    public void Set(string stream, string epoch, long offset) => _last[stream] = (epoch, offset);

    /// <summary><paramref name="url"/> with <c>&amp;recover=</c> base64url JSON of every remembered position.</summary>
    public string AppendTo(string url)
    {
        var positions = _last.Select(p => new { stream = p.Key, epoch = p.Value.Epoch, offset = p.Value.Offset }).ToArray();
        var json = JsonSerializer.SerializeToUtf8Bytes(positions);
        return url + "&recover=" + Base64Url.EncodeToString(json);
    }

    public override string ToString() => string.Join(", ", _last.Select(p => $"{p.Key}@{p.Value.Epoch}:{p.Value.Offset}"));

    /// <summary>Reads frames until <c>recovered</c>; returns everything before it.</summary>
    public static async Task<(WsFrame Recovered, IReadOnlyList<WsFrame> Before)> ReadUntilRecoveredAsync(TestWebSocketClient socket, TimeSpan timeout)
    {
        var (match, before) = await socket.ReceiveUntilAsync(f => f.Type == "recovered", timeout);
        return (match, before);
    }

    public static string Describe(IEnumerable<WsFrame> frames) => new StringBuilder().AppendJoin("\n", frames.Select(f => f.Text)).ToString();
}
