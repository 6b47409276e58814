using System.Buffers.Text;
using System.Text;

namespace RetroIm.Bench;

/// <summary>Reads <c>"pos":{"stream":"…","epoch":"…","offset":17}</c> out of a RetroIm message frame.</summary>
internal static class StreamPosition
{
    public static bool TryRead(ReadOnlySpan<byte> frame, out string stream, out string epoch, out long offset)
    {
        stream = epoch = "";
        offset = 0;
        var pos = frame.IndexOf("\"pos\":{"u8);
        if (pos < 0) return false;
        var rest = frame[pos..];
        if (!TryString(rest, "\"stream\":\""u8, out stream) || !TryString(rest, "\"epoch\":\""u8, out epoch)) return false;
        var o = rest.IndexOf("\"offset\":"u8);
        return o >= 0 && Utf8Parser.TryParse(rest[(o + 9)..], out offset, out _);
    }

    private static bool TryString(ReadOnlySpan<byte> span, ReadOnlySpan<byte> key, out string value)
    {
        value = "";
        var k = span.IndexOf(key);
        if (k < 0) return false;
        var start = span[(k + key.Length)..];
        var end = start.IndexOf((byte)'"');
        if (end < 0) return false;
        value = Encoding.UTF8.GetString(start[..end]);
        return true;
    }
}
