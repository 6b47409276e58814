using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RetroIm.Redis.Protocol;

/// <summary>
/// Parses RESP2 replies from bytes already received; does no I/O. Partial input is normal (TCP splits replies
/// anywhere) and only makes <see cref="TryRead"/> return false; bytes that can never become a valid reply throw
/// <see cref="RedisProtocolException"/>.
/// </summary>
internal static class RespReader
{
    /// <summary>Nesting deeper than this is refused so hostile input cannot exhaust the stack.</summary>
    internal const int MaxDepth = 32;

    /// <summary>Longest accepted status/error/length line; a server never sends more, so more means garbage.</summary>
    internal const int MaxLineLength = 64 * 1024;

    /// <summary>Redis' own limit for one bulk string (proto-max-bulk-len default).</summary>
    internal const long MaxBulkLength = 512L * 1024 * 1024;

    // The shortest element is "+\r\n": an array header promising more elements than bytes/3 cannot be complete yet,
    // which also stops "*2000000000\r\n" from allocating a huge array before its elements arrive.
    private const int MinElementBytes = 3;

    /// <summary>
    /// Reads one complete reply from the start of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Received bytes, possibly in many segments.</param>
    /// <param name="value">The reply, when complete.</param>
    /// <param name="end">The position just after the reply; <c>buffer.Start</c> when incomplete.</param>
    /// <returns>False when more bytes are needed; nothing was consumed then.</returns>
    /// <exception cref="RedisProtocolException">The bytes are not valid RESP2.</exception>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out RespValue? value, out SequencePosition end)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (TryReadValue(ref reader, depth: 0, out value))
        {
            end = reader.Position;
            return true;
        }

        end = buffer.Start;
        return false;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, [NotNullWhen(true)] out RespValue? value)
    {
        value = null;
        var offset = reader.Consumed;
        if (!reader.TryRead(out var prefix))
        {
            return false;
        }

        switch ((RespPrefix)prefix)
        {
            case RespPrefix.SimpleString:
                if (!TryReadLine(ref reader, out var line))
                {
                    return false;
                }

                value = RespValue.SimpleString(Decode(line));
                return true;

            case RespPrefix.Error:
                if (!TryReadLine(ref reader, out line))
                {
                    return false;
                }

                value = RespValue.Error(Decode(line));
                return true;

            case RespPrefix.Integer:
                if (!TryReadLine(ref reader, out line))
                {
                    return false;
                }

                value = RespValue.Integer(ParseInteger(line, offset));
                return true;

            case RespPrefix.BulkString:
                return TryReadBulk(ref reader, offset, out value);

            case RespPrefix.Array:
                return TryReadArray(ref reader, depth, offset, out value);

            default:
                throw new RedisProtocolException(
                    $"Unexpected RESP prefix byte 0x{prefix:x2} ('{(prefix is >= 0x20 and < 0x7f ? (char)prefix : '?')}') at offset {offset}; expected one of + - : $ *.");
        }
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, long offset, out RespValue? value)
    {
        value = null;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        var length = ParseInteger(line, offset);
        if (length == -1)
        {
            value = RespValue.NullBulk;
            return true;
        }

        if (length is < -1 or > MaxBulkLength)
        {
            throw new RedisProtocolException($"Invalid bulk string length {length} at offset {offset}.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var data = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RedisProtocolException($"Bulk string at offset {offset} is not followed by CRLF after its {length} bytes.");
        }

        value = RespValue.Bulk(data.ToArray());
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, int depth, long offset, out RespValue? value)
    {
        value = null;
        if (depth >= MaxDepth)
        {
            throw new RedisProtocolException($"Arrays nested deeper than {MaxDepth} levels at offset {offset}.");
        }

        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        var count = ParseInteger(line, offset);
        if (count == -1)
        {
            value = RespValue.NullArray;
            return true;
        }

        if (count is < -1 or > int.MaxValue)
        {
            throw new RedisProtocolException($"Invalid array length {count} at offset {offset}.");
        }

        if (reader.Remaining < count * MinElementBytes)
        {
            return false;
        }

        var items = count == 0 ? null : new RespValue[count];
        for (var i = 0; i < count; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out var item))
            {
                return false;
            }

            items![i] = item;
        }

        value = count == 0 ? RespValue.EmptyArray : RespValue.Array(items);
        return true;
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            if (reader.Remaining > MaxLineLength)
            {
                throw new RedisProtocolException($"No line end within {MaxLineLength} bytes at offset {reader.Consumed}.");
            }

            return false;
        }

        if (line.IsEmpty || LastByte(line) != (byte)'\r')
        {
            throw new RedisProtocolException($"Line ending in a bare LF (expected CRLF) before offset {reader.Consumed}.");
        }

        line = line.Slice(0, line.Length - 1);
        if (line.Length > MaxLineLength)
        {
            throw new RedisProtocolException($"Line longer than {MaxLineLength} bytes before offset {reader.Consumed}.");
        }

        return true;
    }

    private static byte LastByte(in ReadOnlySequence<byte> line) => line.Slice(line.Length - 1).FirstSpan[0];

    private static long ParseInteger(in ReadOnlySequence<byte> line, long offset)
    {
        // 20 chars hold any long including its sign; longer cannot be valid.
        Span<byte> scratch = stackalloc byte[20];
        if (line.Length is > 0 and <= 20)
        {
            scoped ReadOnlySpan<byte> digits;
            if (line.IsSingleSegment)
            {
                digits = line.FirstSpan;
            }
            else
            {
                line.CopyTo(scratch);
                digits = scratch[..(int)line.Length];
            }

            if (Utf8Parser.TryParse(digits, out long number, out var consumed) && consumed == digits.Length && digits[0] != (byte)'+')
            {
                return number;
            }
        }

        throw new RedisProtocolException($"Expected an integer after the prefix at offset {offset}, got \"{Decode(line.Length > 40 ? line.Slice(0, 40) : line)}\".");
    }

    private static string Decode(in ReadOnlySequence<byte> line) =>
        line.IsSingleSegment ? Encoding.UTF8.GetString(line.FirstSpan) : Encoding.UTF8.GetString(line);
}
