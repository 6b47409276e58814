namespace RetroIm.Redis;

/// <summary>The kind of a RESP2 reply.</summary>
public enum RespType
{
    /// <summary>A status line such as <c>OK</c> or <c>PONG</c>.</summary>
    SimpleString,

    /// <summary>An error line such as <c>ERR unknown command</c>; the first word is the error code.</summary>
    Error,

    /// <summary>A signed 64-bit integer.</summary>
    Integer,

    /// <summary>Binary-safe bytes, possibly null (a missing key).</summary>
    BulkString,

    /// <summary>A list of replies, possibly null (e.g. a timed-out BLPOP).</summary>
    Array,
}
