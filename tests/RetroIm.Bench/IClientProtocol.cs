namespace RetroIm.Bench;

/// <summary>How a load-generator client opens its socket and reads frames, per system under test.</summary>
internal interface IClientProtocol : IAsyncDisposable
{
    /// <summary>Opens the socket of client <paramref name="clientId"/> and completes the handshake.</summary>
    /// <param name="attempt">0 for the first connect; a reconnect counts up (Socket.IO moves to the next node).</param>
    /// <param name="recover">RetroIm: the connect URL's <c>recover</c> parameter (base64url JSON), or null.</param>
    Task<BenchSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken);

    /// <summary>Classifies a received message, answering protocol-level ones (Socket.IO ping) itself.</summary>
    FrameKind Handle(BenchSocket socket, ReadOnlySpan<byte> frame);
}
