using System.Buffers.Text;
using System.Text.Json;

namespace RetroIm.Im.Protocol;

/// <summary>
/// Puts a stream position into a message frame:
/// <c>{"type":"message","pos":{"stream":"c:42","epoch":"…","offset":17},"id":…}</c>.
/// </summary>
/// <remarks>
/// A message is serialised once, by the publisher, without a position; a direct message to several clients has a
/// different offset per receiver, so the position is not in the shared frame. It always goes right after the fixed
/// <see cref="MessagePrefix"/> (which <see cref="ClientFrames.Message"/> writes first), so splicing is two block
/// copies around a few dozen bytes, with no parsing: the node does it once per receiver it holds (all that receiver's
/// connections share the copy), the Redis history keeps the unpositioned frame and replay splices the same way.
/// </remarks>
public static class FramePositions
{
    private const int MaxOffsetDigits = 20;

    /// <summary>How every message frame begins.</summary>
    public static ReadOnlySpan<byte> MessagePrefix => """{"type":"message","""u8;

    /// <summary>Returns a copy of <paramref name="frame"/> with <c>"pos"</c> inserted after <see cref="MessagePrefix"/>.</summary>
    /// <exception cref="ArgumentException">The frame is not a message frame.</exception>
    public static byte[] Splice(ReadOnlySpan<byte> frame, string stream, string epoch, long offset)
    {
        if (!frame.StartsWith(MessagePrefix)) throw new ArgumentException("Not a message frame.", nameof(frame));
        var streamText = JsonEncodedText.Encode(stream).EncodedUtf8Bytes;
        var epochText = JsonEncodedText.Encode(epoch).EncodedUtf8Bytes;
        ReadOnlySpan<byte> open = "\"pos\":{\"stream\":\""u8;
        ReadOnlySpan<byte> epochName = "\",\"epoch\":\""u8;
        ReadOnlySpan<byte> offsetName = "\",\"offset\":"u8;
        Span<byte> digits = stackalloc byte[MaxOffsetDigits];
        Utf8Formatter.TryFormat(offset, digits, out var digitCount);
        var insertLength = open.Length + streamText.Length + epochName.Length + epochText.Length + offsetName.Length + digitCount + 2;
        var result = new byte[frame.Length + insertLength];
        var span = result.AsSpan();
        var at = MessagePrefix.Length;
        frame[..at].CopyTo(span);
        Append(span, ref at, open);
        Append(span, ref at, streamText);
        Append(span, ref at, epochName);
        Append(span, ref at, epochText);
        Append(span, ref at, offsetName);
        Append(span, ref at, digits[..digitCount]);
        Append(span, ref at, "},"u8);
        frame[MessagePrefix.Length..].CopyTo(span[at..]);
        return result;
    }

    private static void Append(Span<byte> target, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(target[at..]);
        at += bytes.Length;
    }
}
