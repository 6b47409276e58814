using System.Buffers;
using System.Globalization;
using System.Text;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis;

/// <summary>
/// One command argument, sent as a RESP bulk string. Converts implicitly from text (UTF-8), bytes and numbers, so
/// <c>client.ExecuteAsync("SET", key, 42)</c> just works. Byte arguments are read when the command is written to the
/// socket: keep them unchanged until the command's task completes.
/// </summary>
public readonly struct RedisArg
{
    // The text (Text, PrefixedText) or the parts (Parts).
    private readonly object? _ref;
    private readonly ReadOnlyMemory<byte> _bytes;
    // An integer, or a double's bits: one field for both keeps the struct at 40 bytes (a script call's arguments are
    // one array of them, hundreds long).
    private readonly long _number;
    private readonly ArgKind _kind;

    private RedisArg(object? reference, ReadOnlyMemory<byte> bytes, long number, ArgKind kind)
    {
        _ref = reference;
        _bytes = bytes;
        _number = number;
        _kind = kind;
    }

    private enum ArgKind : byte
    {
        Missing,
        Text,
        Bytes,
        Integer,
        Double,
        PrefixedText,
        Parts,
    }

    /// <summary>True for <c>default(RedisArg)</c> or a null string/array, which cannot be sent.</summary>
    public bool IsMissing => _kind == ArgKind.Missing;

    /// <summary>Text, sent as UTF-8. A null string makes a missing argument, which the client refuses.</summary>
    public static implicit operator RedisArg(string? value) =>
        value is null ? default : new(value, default, 0, ArgKind.Text);

    /// <summary>Bytes, sent as-is. A null array makes a missing argument, which the client refuses.</summary>
    public static implicit operator RedisArg(byte[]? value) =>
        value is null ? default : new(null, value, 0, ArgKind.Bytes);

    /// <summary>Bytes, sent as-is.</summary>
    public static implicit operator RedisArg(ReadOnlyMemory<byte> value) => new(null, value, 0, ArgKind.Bytes);

    /// <summary>An integer, sent in decimal digits.</summary>
    public static implicit operator RedisArg(int value) => new(null, default, value, ArgKind.Integer);

    /// <summary>An integer, sent in decimal digits.</summary>
    public static implicit operator RedisArg(long value) => new(null, default, value, ArgKind.Integer);

    /// <summary>A floating-point number in the shortest round-trip form; infinities as <c>+inf</c>/<c>-inf</c> as Redis expects.</summary>
    public static implicit operator RedisArg(double value) => new(null, default, BitConverter.DoubleToInt64Bits(value), ArgKind.Double);

    /// <summary>
    /// <paramref name="prefix"/> (UTF-8) followed by <paramref name="text"/>, sent as one bulk string without building
    /// the concatenated string: a key made of a key prefix and an id.
    /// </summary>
    public static RedisArg Prefixed(ReadOnlyMemory<byte> prefix, string? text) =>
        text is null ? default : new(text, prefix, 0, ArgKind.PrefixedText);

    /// <summary>
    /// The parts one after the other, sent as one bulk string without copying them into one array first (a payload
    /// made of many pieces). The list and the arrays are read when the command is written: keep them unchanged until
    /// the command's task completes.
    /// </summary>
    /// <exception cref="ArgumentException">A part is null (checked here: the writer must never meet one).</exception>
    public static RedisArg Concat(IReadOnlyList<byte[]>? parts)
    {
        if (parts is null)
        {
            return default;
        }

        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] is null)
            {
                throw new ArgumentException($"Part {i} is null.", nameof(parts));
            }
        }

        return new(parts, default, 0, ArgKind.Parts);
    }

    /// <summary>Named alternative to the implicit conversion from string.</summary>
    public static RedisArg FromString(string value) => value;

    /// <summary>Named alternative to the implicit conversion from bytes.</summary>
    public static RedisArg FromBytes(ReadOnlyMemory<byte> value) => value;

    /// <summary>Named alternative to the implicit conversion from long.</summary>
    public static RedisArg FromInt64(long value) => value;

    /// <summary>Named alternative to the implicit conversion from double.</summary>
    public static RedisArg FromDouble(double value) => value;

    /// <summary>The argument as text, for logs and tests (bytes decoded as UTF-8).</summary>
    public override string ToString() => _kind switch
    {
        ArgKind.Text => (string)_ref!,
        ArgKind.Bytes => Encoding.UTF8.GetString(_bytes.Span),
        ArgKind.PrefixedText => Encoding.UTF8.GetString(_bytes.Span) + (string)_ref!,
        ArgKind.Parts => string.Concat(((IReadOnlyList<byte[]>)_ref!).Select(part => Encoding.UTF8.GetString(part))),
        ArgKind.Integer => _number.ToString(CultureInfo.InvariantCulture),
        ArgKind.Double => FormatDouble(BitConverter.Int64BitsToDouble(_number)),
        _ => "(missing)",
    };

    /// <summary>Writes this argument as one bulk string.</summary>
    internal void WriteTo(IBufferWriter<byte> writer)
    {
        switch (_kind)
        {
            case ArgKind.Text:
                RespWriter.WriteBulk(writer, (string)_ref!);
                break;
            case ArgKind.PrefixedText:
                RespWriter.WriteBulk(writer, _bytes.Span, (string)_ref!);
                break;
            case ArgKind.Parts:
                RespWriter.WriteBulk(writer, (IReadOnlyList<byte[]>)_ref!);
                break;
            case ArgKind.Bytes:
                RespWriter.WriteBulk(writer, _bytes.Span);
                break;
            case ArgKind.Integer:
                RespWriter.WriteBulk(writer, _number);
                break;
            case ArgKind.Double:
                RespWriter.WriteBulk(writer, FormatDouble(BitConverter.Int64BitsToDouble(_number)));
                break;
            default:
                throw new InvalidOperationException("A missing RedisArg cannot be written.");
        }
    }

    private static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
