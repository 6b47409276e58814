using System.Buffers;
using System.Text.Json;

namespace RetroIm.Relay.Connections;

/// <summary>
/// The frames that end a recovery (README "Delivery guarantees"):
/// <code>
/// {"type":"recover_failed","stream":"ch:retro:1","reason":"expired","epoch":"…"|null,"offset":120}
/// {"type":"recovered","streams":[{"stream":"c:42","epoch":"…","offset":17,"replayed":3}]}
/// {"type":"joined","chan":"retro:1","pos":{"stream":"ch:retro:1","epoch":"…","offset":17}}
/// </code>
/// <c>epoch</c>/<c>offset</c> are the stream's current position, from which the client may track it again.
/// </summary>
internal static class RecoveryFrames
{
    public const string EpochChanged = "epoch_changed";
    public const string Expired = "expired";
    public const string NotMember = "not_member";
    public const string Unavailable = "unavailable";
    public const string Invalid = "invalid";

    public static byte[] Failed(string stream, string reason, string? epoch, long offset)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "recover_failed");
            w.WriteString("stream", stream);
            w.WriteString("reason", reason);
            if (epoch is null) w.WriteNull("epoch"); else w.WriteString("epoch", epoch);
            w.WriteNumber("offset", offset);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"type":"joined","chan":"retro:1","pos":{"stream":"ch:retro:1","epoch":"…","offset":17}}</c></summary>
    public static byte[] Joined(string chan, string stream, string epoch, long offset)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "joined");
            w.WriteString("chan", chan);
            w.WriteStartObject("pos");
            w.WriteString("stream", stream);
            w.WriteString("epoch", epoch);
            w.WriteNumber("offset", offset);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Recovered(IReadOnlyList<(string Stream, string Epoch, long Offset, int Replayed)> streams)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + streams.Count * 64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "recovered");
            w.WriteStartArray("streams");
            foreach (var (stream, epoch, offset, replayed) in streams)
            {
                w.WriteStartObject();
                w.WriteString("stream", stream);
                w.WriteString("epoch", epoch);
                w.WriteNumber("offset", offset);
                w.WriteNumber("replayed", replayed);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
