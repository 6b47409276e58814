using System.Buffers.Binary;

namespace RetroIm.Bench;

/// <summary>
/// The bits of RFC 6455 and HTTP both the load generator's client (<see cref="BenchSocket"/>) and the floor's server
/// (<see cref="FloorNode"/>) write or read: a frame header, and a header of an upgrade head.
/// </summary>
internal static class WebSocketWire
{
    /// <summary>The header length of a final frame with <paramref name="payloadLength"/> bytes (a client's carries a 4-byte mask).</summary>
    public static int HeaderLength(int payloadLength, bool masked)
        => (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>
    /// Writes a final frame's header into <paramref name="frame"/> (at least <see cref="HeaderLength"/> bytes); a
    /// masked header leaves its last 4 bytes for the mask.
    /// </summary>
    public static void WriteHeader(Span<byte> frame, int opcode, int payloadLength, bool masked)
    {
        var mask = masked ? 0x80 : 0;
        frame[0] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            frame[1] = (byte)(mask | payloadLength);
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            frame[1] = (byte)(mask | 126);
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payloadLength);
        }
        else
        {
            frame[1] = (byte)(mask | 127);
            BinaryPrimitives.WriteUInt64BigEndian(frame[2..], (ulong)payloadLength);
        }
    }

    /// <summary>The trimmed value of header <paramref name="name"/> (case-insensitive) in CRLF-separated header lines, or null.</summary>
    public static string? HeaderValue(ReadOnlySpan<char> headers, string name)
    {
        foreach (var range in headers.Split("\r\n"))
        {
            var line = headers[range];
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim().ToString();
        }
        return null;
    }
}
