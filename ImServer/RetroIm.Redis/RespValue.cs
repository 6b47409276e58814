using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RetroIm.Redis;

/// <summary>
/// One parsed RESP2 reply. Immutable; arrays hold their elements in <see cref="Items"/>.
/// Error replies nested inside arrays stay values (<see cref="IsError"/>); only a top-level error reply throws.
/// </summary>
public sealed class RespValue
{
    private static readonly RespValue[] NoItems = [];
    private static readonly RespValue[] SmallIntegers = CreateSmallIntegers();

    internal static readonly RespValue Ok = new(RespType.SimpleString, text: "OK");
    internal static readonly RespValue NullBulk = new(RespType.BulkString, isNull: true);
    internal static readonly RespValue EmptyBulk = new(RespType.BulkString, bytes: []);
    internal static readonly RespValue NullArray = new(RespType.Array, isNull: true);
    internal static readonly RespValue EmptyArray = new(RespType.Array, items: NoItems);

    private readonly string? _text;
    private readonly byte[]? _bytes;
    private readonly long _integer;
    private readonly RespValue[] _items;

    private RespValue(RespType type, string? text = null, byte[]? bytes = null, long integer = 0, RespValue[]? items = null, bool isNull = false)
    {
        Type = type;
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _items = items ?? NoItems;
        IsNull = isNull;
    }

    /// <summary>The kind of reply.</summary>
    public RespType Type { get; }

    /// <summary>True for a null bulk string (<c>$-1</c>) or a null array (<c>*-1</c>).</summary>
    public bool IsNull { get; }

    /// <summary>True when this is an error reply (only seen nested in arrays; top-level errors throw).</summary>
    public bool IsError => Type == RespType.Error;

    /// <summary>The elements of an array reply; empty for every other kind and for a null array.</summary>
    public IReadOnlyList<RespValue> Items => _items;

    /// <summary>
    /// The reply as text: status and error lines as sent, bulk strings decoded as UTF-8, integers in invariant digits;
    /// null for a null bulk string or null array.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reply is a non-null array.</exception>
    public string? AsString() => Type switch
    {
        RespType.SimpleString or RespType.Error => _text,
        RespType.BulkString => _bytes is null ? null : Encoding.UTF8.GetString(_bytes),
        RespType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        _ when IsNull => null,
        _ => throw new InvalidOperationException("An array reply has no single string value; read Items."),
    };

    /// <summary>The reply as a 64-bit integer: integer replies directly, strings (e.g. GET of a counter) parsed.</summary>
    /// <exception cref="InvalidOperationException">The reply is null, an array, or text that is not an integer.</exception>
    public long AsInt64()
    {
        if (Type == RespType.Integer)
        {
            return _integer;
        }

        if (Type == RespType.BulkString && _bytes is not null
            && Utf8Parser.TryParse(_bytes, out long parsed, out var consumed) && consumed == _bytes.Length)
        {
            return parsed;
        }

        if (Type == RespType.SimpleString && long.TryParse(_text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out parsed))
        {
            return parsed;
        }

        throw new InvalidOperationException($"The reply {this} is not an integer.");
    }

    /// <summary>
    /// The reply as bytes: bulk strings as received (the array is owned by this value: do not modify it), text as UTF-8;
    /// null for a null bulk string or null array.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reply is a non-null array.</exception>
    public byte[]? AsBytes() => Type switch
    {
        RespType.BulkString => _bytes,
        RespType.Array when IsNull => null,
        RespType.Array => throw new InvalidOperationException("An array reply has no single byte value; read Items."),
        _ => Encoding.UTF8.GetBytes(AsString()!),
    };

    /// <summary>A short, unambiguous rendering for logs and test failures, e.g. <c>+OK</c>, <c>$"a\r\n"</c>, <c>[:1, $null]</c>.</summary>
    public override string ToString() => Type switch
    {
        RespType.SimpleString => "+" + _text,
        RespType.Error => "-" + _text,
        RespType.Integer => ":" + _integer.ToString(CultureInfo.InvariantCulture),
        RespType.BulkString when _bytes is null => "$null",
        RespType.BulkString => "$\"" + Escape(_bytes) + "\"",
        _ when IsNull => "*null",
        _ => "[" + string.Join(", ", (object[])_items) + "]",
    };

    /// <summary>The bulk payload without copying; empty for other kinds.</summary>
    internal ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>True when this is a bulk string whose bytes are exactly <paramref name="bytes"/>; compares without allocating.</summary>
    internal bool IsBulk(ReadOnlySpan<byte> bytes) => Type == RespType.BulkString && _bytes is not null && bytes.SequenceEqual(_bytes);

    internal static RespValue SimpleString(string text) => text == "OK" ? Ok : new(RespType.SimpleString, text: text);

    internal static RespValue Error(string text) => new(RespType.Error, text: text);

    internal static RespValue Integer(long value) =>
        value is >= -1 and < 255 ? SmallIntegers[value + 1] : new(RespType.Integer, integer: value);

    internal static RespValue Bulk(byte[]? bytes) => bytes switch
    {
        null => NullBulk,
        { Length: 0 } => EmptyBulk,
        _ => new(RespType.BulkString, bytes: bytes),
    };

    internal static RespValue Array(RespValue[]? items) => items switch
    {
        null => NullArray,
        { Length: 0 } => EmptyArray,
        _ => new(RespType.Array, items: items),
    };

    private static RespValue[] CreateSmallIntegers()
    {
        // PUBLISH, INCR and friends mostly answer small numbers; sharing them keeps the reply path allocation-light.
        var values = new RespValue[256];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new RespValue(RespType.Integer, integer: i - 1);
        }

        return values;
    }

    private static string Escape(byte[] bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            _ = b switch
            {
                (byte)'\r' => builder.Append("\\r"),
                (byte)'\n' => builder.Append("\\n"),
                (byte)'"' => builder.Append("\\\""),
                (byte)'\\' => builder.Append("\\\\"),
                >= 0x20 and < 0x7f => builder.Append((char)b),
                _ => builder.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture)),
            };
        }

        return builder.ToString();
    }
}
