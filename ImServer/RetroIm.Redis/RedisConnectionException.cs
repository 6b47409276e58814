namespace RetroIm.Redis;

/// <summary>
/// Redis could not be reached, refused the handshake (e.g. a wrong password), or the connection was lost while the
/// command was pending. A lost command may or may not have been executed by the server.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    /// <summary>Creates an exception with a default message.</summary>
    public RedisConnectionException()
        : base("The connection to Redis failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RedisConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
