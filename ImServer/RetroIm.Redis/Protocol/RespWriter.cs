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
        for (var i = 0; i < args.Count; i++)
        {
            CheckPresent(args[i], i, command);
        }

        WriteName(writer, command, words, args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            args[i].WriteTo(writer);
        }
    }

    /// <inheritdoc cref="WriteCommand(IBufferWriter{byte}, string, IReadOnlyList{RedisArg})"/>
    public static void WriteCommandFromSpan(IBufferWriter<byte> writer, string command, ReadOnlySpan<RedisArg> args)
    {
        var words = CountWords(command);
        for (var i = 0; i < args.Length; i++)
        {
            CheckPresent(args[i], i, command);
        }

        WriteName(writer, command, words, args.Length);
        foreach (var arg in args)
        {
            arg.WriteTo(writer);
        }
    }

    /// <summary>Checked before writing anything: a half-written command would corrupt the stream.</summary>
    internal static void CheckPresent(RedisArg arg, int index, string command)
    {
        if (arg.IsMissing)
        {
            throw new ArgumentException($"Argument {index} of {command} is null or missing.", "args");
        }
    }

    /// <summary>The array header and the command's words.</summary>
    private static void WriteName(IBufferWriter<byte> writer, string command, int words, int argCount)
    {
        WriteHeader(writer, RespPrefix.Array, words + argCount);
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
    }

    /// <summary>Writes <c>$len\r\n…\r\n</c> for raw bytes.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, ReadOnlySpan<byte> data)
    {
        WriteHeader(writer, RespPrefix.BulkString, data.Length);
        writer.Write(data);
        WriteCrlf(writer);
    }

    /// <summary>Writes <c>$len\r\n…\r\n</c> for text encoded as UTF-8.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, ReadOnlySpan<char> text) => WriteBulk(writer, [], text);

    /// <summary>Writes <c>$len\r\n…\r\n</c> for <paramref name="prefix"/> followed by <paramref name="text"/> encoded as UTF-8.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteHeader(writer, RespPrefix.BulkString, prefix.Length + length);
        writer.Write(prefix);
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

    /// <summary>Writes <c>$len\r\n…\r\n</c> for the parts one after the other.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, IReadOnlyList<byte[]> parts)
    {
        long length = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            length += parts[i].Length;
        }

        WriteHeader(writer, RespPrefix.BulkString, length);
        for (var i = 0; i < parts.Count; i++)
        {
            writer.Write(parts[i]);
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

    /// <exception cref="ArgumentException">The command name is blank.</exception>
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

        if (count == 0)
        {
            throw new ArgumentException("The command name is empty.", nameof(command));
        }

        return count;
    }
}
