using System.Net.WebSockets;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>RetroIm's client: a connect URL issued through ImClient (as the business would), then JSON text frames.</summary>
internal sealed class RetroImClientProtocol : IClientProtocol
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    /// <summary>The handshake: the first frame must be the welcome (the floor answers one too).</summary>
    internal static readonly Func<BenchSocket, CancellationToken, Task> AwaitWelcome = AwaitWelcomeAsync;
    private readonly RedisBackplane _backplane;
    private readonly ImClient _im;

    public RetroImClientProtocol(string redis)
    {
        _backplane = new RedisBackplane(RedisOptions.Parse(redis));
        _im = new ImClient(_backplane);
    }

    public async Task<BenchSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken)
    {
        var url = await _im.PrevConnectServerAsync(clientId, null, cancellationToken);
        if (recover is not null) url += "&recover=" + recover;
        return await BenchSocket.ConnectAsync(url, HandshakeTimeout, AwaitWelcome, cancellationToken);
    }

    private static async Task AwaitWelcomeAsync(BenchSocket socket, CancellationToken cancellationToken)
    {
        var welcome = await socket.ReceiveAsync(cancellationToken);
        if (welcome.Type != WebSocketMessageType.Text || !welcome.Payload.Span.StartsWith("{\"type\":\"welcome\""u8))
            throw new InvalidOperationException("no welcome frame");
    }

    public FrameKind Handle(BenchSocket socket, ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"message\""u8)) return FrameKind.Message;
        if (frame.StartsWith("{\"type\":\"recovered\""u8)) return FrameKind.Recovered;
        if (frame.StartsWith("{\"type\":\"recover_failed\""u8)) return FrameKind.RecoverFailed;
        return FrameKind.Other;
    }

    public async ValueTask DisposeAsync()
    {
        await _im.DisposeAsync();
        await _backplane.DisposeAsync();
    }
}
