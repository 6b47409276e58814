namespace RetroIm.Redis;

/// <summary>
/// Receives one pub/sub message. Runs on the subscriber's read loop: keep it short and non-blocking (hand work off
/// to a queue). <paramref name="payload"/> is valid only during the call; copy it to keep it.
/// Exceptions are logged and do not stop delivery.
/// </summary>
public delegate void RedisMessageHandler(string channel, ReadOnlyMemory<byte> payload);
