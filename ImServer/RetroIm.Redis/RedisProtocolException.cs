namespace RetroIm.Redis;

/// <summary>
/// The bytes received are not valid RESP2 (or exceed a safety limit). The connection that received them is closed,
/// so callers usually see this as the inner exception of a <see cref="RedisConnectionException"/>.
/// </summary>
public sealed class RedisProtocolException : RedisException
{
    /// <summary>Creates an exception with a default message.</summary>
    public RedisProtocolException()
        : base("Invalid RESP data.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RedisProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public RedisProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
