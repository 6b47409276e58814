using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RetroIm.Redis.Protocol;

/// <summary>
/// Writes commands in the form Redis expects from clients: an array of bulk strings, e.g. <c>SET k v</c> is
/// <c>*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n</c>. Does no I/O; the caller decides when to flush.
/// </summary>
internal static class RespWriter
{
    // Small strings are encoded straight into one span; larger ones go through the chunking encoder.
    private const int DirectEncodeLimit = 4096;

    /// <summary>
    /// Writes one command. A command name with spaces (<c>"CLIENT SETNAME"</c>, <c>"SCRIPT FLUSH"</c>) is sent as one
    /// bulk string per word, which is what Redis expects for sub-commands.
    /// </summary>
    /// <exception cref="ArgumentException">The command is blank or an argument is missing.</exception>
    public static void WriteCommand(IBufferWriter<byte> writer, string command, IReadOnlyList<RedisArg> args)
    {
        var words = CountWords(command);
        if (words == 0)
        {
            throw new ArgumentException("The command name is empty.", nameof(command));
        }

        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].IsMissing)
            {
                // Checked before writing anything: a half-written command would corrupt the stream.
                throw new ArgumentException($"Argument {i} of {command} is null or missing.", nameof(args));
            }
        }

        WriteHeader(writer, RespPrefix.Array, words + args.Count);
        var span = command.AsSpan();
        while (!span.IsEmpty)
        {
            span = span.TrimStart(' ');
            var end = span.IndexOf(' ');
            var word = end < 0 ? span : span[..end];
            if (!word.IsEmpty)
            {
                WriteBulk(writer, word);
            }

            span = end < 0 ? default : span[end..];
        }

        for (var i = 0; i < args.Count; i++)
        {
            args[i].WriteTo(writer);
        }
    }

    /// <summary>Writes <c>$len\r\n…\r\n</c> for raw bytes.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, ReadOnlySpan<byte> data)
    {
        WriteHeader(writer, RespPrefix.BulkString, data.Length);
        writer.Write(data);
        WriteCrlf(writer);
    }

    /// <summary>Writes <c>$len\r\n…\r\n</c> for text encoded as UTF-8.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteHeader(writer, RespPrefix.BulkString, length);
        if (length <= DirectEncodeLimit)
        {
            var span = writer.GetSpan(length);
            writer.Advance(Encoding.UTF8.GetBytes(text, span));
        }
        else
        {
            Encoding.UTF8.GetBytes(text, writer);
        }

        WriteCrlf(writer);
    }

    /// <summary>Writes <c>$len\r\n123\r\n</c> for an integer in decimal digits.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        WriteBulk(writer, digits[..written]);
    }

    /// <summary>Writes a prefix, a length and CRLF, e.g. <c>*3\r\n</c> or <c>$5\r\n</c>.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, RespPrefix prefix, long length)
    {
        var span = writer.GetSpan(24);
        span[0] = (byte)prefix;
        Utf8Formatter.TryFormat(length, span[1..], out var written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        writer.Advance(written + 3);
    }

    private static void WriteCrlf(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        writer.Advance(2);
    }

    private static int CountWords(string command)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in command)
        {
            var isSpace = c == ' ';
            if (!isSpace && !inWord)
            {
                count++;
            }

            inWord = !isSpace;
        }

        return count;
    }
}
