namespace RetroIm.Bench;

/// <summary>The floor's client (<see cref="FloorNode"/>): client i connects to node i mod N, then reads text frames.</summary>
internal sealed class FloorClientProtocol(int[] ports) : IClientProtocol
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    public Task<BenchSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken)
    {
        var port = ports[(index + attempt) % ports.Length];
        return BenchSocket.ConnectAsync($"ws://127.0.0.1:{port}/?id={Uri.EscapeDataString(clientId)}", HandshakeTimeout, RetroImClientProtocol.AwaitWelcome, cancellationToken);
    }

    public FrameKind Handle(BenchSocket socket, ReadOnlySpan<byte> frame)
        => frame.StartsWith("{\"type\":\"message\""u8) ? FrameKind.Message : FrameKind.Other;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
