using System.Buffers.Text;

namespace RetroIm.Im.Protocol;

/// <summary>
/// Several <see cref="RelayPacket"/>s in one pub/sub message on a node's batch topic (<see cref="ImTopics.NodeBatch"/>):
/// each is its length in bytes as decimal ASCII, <c>\n</c>, then the packet itself.
/// <code>57\n{"k":"message","to":["42"],…}\n{"type":"message",…}61\n{"k":"message","to":["43"],…}\n…</code>
/// ImHelper's direct-send script writes them (one per node per script call, packets in call order); the node hands
/// each packet to the same dispatch as its plain inbox.
/// </summary>
public static class RelayBatch
{
    /// <summary>A length has at most this many digits (a packet is far below 2 GB).</summary>
    private const int MaxDigits = 10;

    /// <summary>Writes packets as one batch (what the script does; for tests and tools).</summary>
    public static byte[] Write(IEnumerable<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        using var output = new MemoryStream();
        foreach (var packet in packets) output.Write(MakeEntry(packet, default, closeHeader: false));
        return output.ToArray();
    }

    /// <summary>
    /// One entry of a batch for the packet <paramref name="openHeader"/> <c>}\n</c> <paramref name="body"/>: the header
    /// as <see cref="RelayPacket"/> writes it but without its closing brace (where the script adds positions to a
    /// retained message), then the body. ImHelper makes these for messages that are not retained and publishes them
    /// as they are, with no script.
    /// </summary>
    public static byte[] Entry(ReadOnlySpan<byte> openHeader, ReadOnlySpan<byte> body) => MakeEntry(openHeader, body, closeHeader: true);

    private static byte[] MakeEntry(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, bool closeHeader)
    {
        var length = head.Length + (closeHeader ? 2 : 0) + body.Length;
        Span<byte> digits = stackalloc byte[MaxDigits];
        Utf8Formatter.TryFormat(length, digits, out var digitCount);
        var entry = new byte[digitCount + 1 + length];
        digits[..digitCount].CopyTo(entry);
        var at = digitCount;
        entry[at++] = (byte)'\n';
        head.CopyTo(entry.AsSpan(at));
        at += head.Length;
        if (closeHeader)
        {
            entry[at++] = (byte)'}';
            entry[at++] = (byte)'\n';
        }
        body.CopyTo(entry.AsSpan(at));
        return entry;
    }

    /// <summary>
    /// Hands each packet of <paramref name="batch"/> to <paramref name="onPacket"/>, in order. Returns false at the
    /// first malformed entry (a length that is not digits, missing its <c>\n</c>, or past the end): the packets
    /// before it were handed out, nothing after it is.
    /// </summary>
    public static bool TryForEach<TState>(ReadOnlyMemory<byte> batch, TState state, Action<TState, ReadOnlyMemory<byte>> onPacket)
    {
        ArgumentNullException.ThrowIfNull(onPacket);
        var position = 0;
        while (position < batch.Length)
        {
            var rest = batch.Span[position..];
            var newline = rest[..Math.Min(rest.Length, MaxDigits + 1)].IndexOf((byte)'\n');
            if (newline <= 0
                || !char.IsAsciiDigit((char)rest[0])
                || !Utf8Parser.TryParse(rest[..newline], out int length, out var consumed)
                || consumed != newline
                || length < 0
                || length > rest.Length - newline - 1)
            {
                return false;
            }
            position += newline + 1;
            onPacket(state, batch.Slice(position, length));
            position += length;
        }
        return true;
    }
}
