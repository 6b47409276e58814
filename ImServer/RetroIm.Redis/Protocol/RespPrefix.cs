namespace RetroIm.Redis.Protocol;

/// <summary>
/// The first byte of every RESP2 reply; it says how the rest of the reply is framed.
/// Every line ends with CRLF (<c>\r\n</c>), shown as <c>\r\n</c> below.
/// </summary>
internal enum RespPrefix : byte
{
    /// <summary>One line of text: <c>+OK\r\n</c>, <c>+PONG\r\n</c>.</summary>
    SimpleString = (byte)'+',

    /// <summary>An error line whose first word is the code: <c>-ERR unknown command 'FOO'\r\n</c>, <c>-NOSCRIPT No matching script\r\n</c>.</summary>
    Error = (byte)'-',

    /// <summary>A signed 64-bit integer: <c>:1000\r\n</c>, <c>:-1\r\n</c>.</summary>
    Integer = (byte)':',

    /// <summary>
    /// Length-prefixed binary-safe bytes: <c>$5\r\nhello\r\n</c>; empty: <c>$0\r\n\r\n</c>; null (missing key): <c>$-1\r\n</c>.
    /// Commands are sent as an array of these.
    /// </summary>
    BulkString = (byte)'$',

    /// <summary>
    /// A count followed by that many replies of any type, nested freely:
    /// <c>*2\r\n$3\r\nfoo\r\n:7\r\n</c>; empty: <c>*0\r\n</c>; null (e.g. BLPOP timed out): <c>*-1\r\n</c>.
    /// </summary>
    Array = (byte)'*',
}
