namespace RetroIm.Redis;

/// <summary>
/// Redis did not answer within <see cref="RedisOptions.CommandTimeout"/>. The command may still run on the server;
/// the connection stays usable (its late reply is discarded).
/// </summary>
public sealed class RedisTimeoutException : RedisException
{
    /// <summary>Creates an exception with a default message.</summary>
    public RedisTimeoutException()
        : base("Redis did not answer in time.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RedisTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public RedisTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
