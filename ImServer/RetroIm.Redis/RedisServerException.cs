namespace RetroIm.Redis;

/// <summary>Redis answered the command with an error reply, e.g. <c>WRONGTYPE Operation against a key holding the wrong kind of value</c>.</summary>
public sealed class RedisServerException : RedisException
{
    /// <summary>Creates an exception from the error line Redis sent (without the leading <c>-</c>).</summary>
    public RedisServerException(string message)
        : base(message)
    {
        ErrorCode = ParseCode(message);
    }

    /// <summary>Creates an exception from an error line and the error that caused it.</summary>
    public RedisServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = ParseCode(message);
    }

    /// <summary>Creates an exception with a generic message and code <c>ERR</c>.</summary>
    public RedisServerException()
        : this("ERR Redis returned an error.")
    {
    }

    /// <summary>The first word of the error line: <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>, <c>WRONGPASS</c>, …</summary>
    public string ErrorCode { get; }

    private static string ParseCode(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? message : message[..space];
        return code.Length == 0 ? "ERR" : code;
    }
}
