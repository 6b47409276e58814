using System.Text;

namespace RetroIm.Redis.Tests.Protocol;

/// <summary>Valid replies with their expected parse (as <see cref="RespValue.ToString"/>), and invalid inputs.</summary>
internal static class RespCorpus
{
    public static readonly (string Name, byte[] Wire, string Expected)[] Valid =
    [
        ("ok", Ascii("+OK\r\n"), "+OK"),
        ("empty simple string", Ascii("+\r\n"), "+"),
        ("status with spaces", Ascii("+Background saving started\r\n"), "+Background saving started"),
        ("error", Ascii("-ERR unknown command 'FOO'\r\n"), "-ERR unknown command 'FOO'"),
        ("noscript", Ascii("-NOSCRIPT No matching script. Please use EVAL.\r\n"), "-NOSCRIPT No matching script. Please use EVAL."),
        ("zero", Ascii(":0\r\n"), ":0"),
        ("negative", Ascii(":-42\r\n"), ":-42"),
        ("large integer", Ascii(":1234567890123\r\n"), ":1234567890123"),
        ("long max", Ascii(":9223372036854775807\r\n"), ":9223372036854775807"),
        ("long min", Ascii(":-9223372036854775808\r\n"), ":-9223372036854775808"),
        ("bulk", Ascii("$5\r\nhello\r\n"), "$\"hello\""),
        ("empty bulk", Ascii("$0\r\n\r\n"), "$\"\""),
        ("null bulk", Ascii("$-1\r\n"), "$null"),
        ("bulk containing CRLF", Ascii("$4\r\na\r\nb\r\n"), "$\"a\\r\\nb\""),
        ("bulk of CRLFs", Ascii("$4\r\n\r\n\r\n\r\n"), "$\"\\r\\n\\r\\n\""),
        ("binary bulk", [(byte)'$', (byte)'3', 13, 10, 0, 0xff, 0x80, 13, 10], "$\"\\x00\\xff\\x80\""),
        ("utf8 bulk", [.. Ascii("$5\r\n"), .. Encoding.UTF8.GetBytes("héé"), .. Ascii("\r\n")], "$\"h\\xc3\\xa9\\xc3\\xa9\""),
        ("large bulk", [.. Ascii("$300\r\n"), .. Enumerable.Repeat((byte)'x', 300), .. Ascii("\r\n")], "$\"" + new string('x', 300) + "\""),
        ("empty array", Ascii("*0\r\n"), "[]"),
        ("null array", Ascii("*-1\r\n"), "*null"),
        ("array", Ascii("*3\r\n$3\r\nfoo\r\n:7\r\n+OK\r\n"), "[$\"foo\", :7, +OK]"),
        ("array with nulls", Ascii("*3\r\n$-1\r\n*-1\r\n$0\r\n\r\n"), "[$null, *null, $\"\"]"),
        ("array with error", Ascii("*2\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n"), "[+OK, -WRONGTYPE Operation against a key]"),
        ("nested arrays", Ascii("*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n*0\r\n"), "[[:1, :2], [[]]]"),
        ("pubsub message", Ascii("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$2\r\nhi\r\n"), "[$\"message\", $\"chan\", $\"hi\"]"),
        ("scan reply", Ascii("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"), "[$\"0\", [$\"a\", $\"b\"]]"),
    ];

    public static readonly (string Name, byte[] Wire)[] Invalid =
    [
        ("unknown prefix", Ascii("?what\r\n")),
        ("inline text", Ascii("PONG\r\n")),
        ("bare LF after status", Ascii("+OK\n")),
        ("bare LF after integer", Ascii(":1\n")),
        ("integer with letters", Ascii(":12a\r\n")),
        ("empty integer", Ascii(":\r\n")),
        ("integer with plus", Ascii(":+5\r\n")),
        ("integer overflow", Ascii(":99999999999999999999\r\n")),
        ("bulk length not a number", Ascii("$abc\r\n")),
        ("bulk length below -1", Ascii("$-2\r\n")),
        ("bulk too large", Ascii("$600000000\r\n")),
        ("bulk without trailing CRLF", Ascii("$3\r\nabcXY")),
        ("bulk longer than its length", Ascii("$2\r\nabc\r\n")),
        ("array length below -1", Ascii("*-5\r\n")),
        ("array length not a number", Ascii("*x\r\n")),
        ("invalid element in array", Ascii("*2\r\n:1\r\n!oops\r\n")),
        ("too deeply nested", Ascii(string.Concat(Enumerable.Repeat("*1\r\n", RetroIm.Redis.Protocol.RespReader.MaxDepth + 1)) + ":1\r\n")),
        ("line too long", Ascii("+" + new string('a', RetroIm.Redis.Protocol.RespReader.MaxLineLength + 10))),
    ];

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
