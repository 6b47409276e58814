namespace RetroIm.Redis;

/// <summary>The base of every error this client raises.</summary>
public class RedisException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public RedisException()
        : base("A Redis operation failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RedisException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
