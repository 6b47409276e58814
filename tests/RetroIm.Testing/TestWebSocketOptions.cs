namespace RetroIm.Testing;

/// <summary>How a <see cref="TestWebSocketClient"/> connects.</summary>
public sealed class TestWebSocketOptions
{
    /// <summary>Share one HTTP handler between many sockets (null: the socket gets its own).</summary>
    public HttpMessageInvoker? Invoker { get; init; }

    /// <summary>
    /// SO_RCVBUF of the client socket. A small value switches off receive-window autotuning, so a client that does not
    /// read fills the server's buffers after a few frames (slow-consumer tests).
    /// </summary>
    public int? ReceiveBufferSize { get; init; }

    /// <summary>False: do not read until <see cref="TestWebSocketClient.StartReceiving"/> (a client that never reads).</summary>
    public bool StartReceiving { get; init; } = true;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
