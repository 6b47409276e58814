using System.Buffers.Text;
using System.Text;

namespace RetroIm.Bench;

/// <summary>
/// The benchmark's business payload: <c>{"t":&lt;unix µs when published&gt;,"s":&lt;sequence&gt;,"p":"xxx…"}</c>, padded to the
/// requested size. The load generator finds t and s by scanning the raw frame, so its own CPU stays small.
/// </summary>
internal static class BenchPayload
{
    public static byte[] Create(long sentMicros, long seq, int size)
    {
        var head = $"{{\"t\":{sentMicros},\"s\":{seq},\"p\":\"";
        var pad = Math.Max(0, size - head.Length - 2);
        return Encoding.UTF8.GetBytes(head + new string('x', pad) + "\"}");
    }

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Reads t and s from a message frame (the data object is written verbatim into it).</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out long sentMicros, out long seq)
    {
        sentMicros = seq = 0;
        var t = frame.IndexOf("\"t\":"u8);
        if (t < 0 || !Utf8Parser.TryParse(frame[(t + 4)..], out sentMicros, out _)) return false;
        var s = frame.IndexOf("\"s\":"u8);
        return s >= 0 && Utf8Parser.TryParse(frame[(s + 4)..], out seq, out _);
    }
}
