using System.Net.WebSockets;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>RetroIm's client: a connect URL issued through ImClient (as the business would), then JSON text frames.</summary>
internal sealed class RetroImClientProtocol : IClientProtocol
{
    private readonly RedisBackplane _backplane;
    private readonly ImClient _im;

    public RetroImClientProtocol(string redis)
    {
        _backplane = new RedisBackplane(RedisOptions.Parse(redis));
        _im = new ImClient(_backplane);
    }

    public async Task<ClientWebSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken)
    {
        var url = await _im.PrevConnectServerAsync(clientId, null, cancellationToken);
        if (recover is not null) url += "&recover=" + recover;
        var ws = new ClientWebSocket();
        try
        {
            ws.Options.KeepAliveInterval = TimeSpan.Zero;
            await ws.ConnectAsync(new Uri(url), cancellationToken);
            var welcome = new byte[1024];
            var r = await ws.ReceiveAsync(welcome, cancellationToken);
            if (r.MessageType != WebSocketMessageType.Text || !welcome.AsSpan(0, r.Count).StartsWith("{\"type\":\"welcome\""u8))
                throw new InvalidOperationException("no welcome frame");
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    public ValueTask<FrameKind> HandleAsync(ClientWebSocket socket, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var span = frame.Span;
        if (span.StartsWith("{\"type\":\"message\""u8)) return ValueTask.FromResult(FrameKind.Message);
        if (span.StartsWith("{\"type\":\"recovered\""u8)) return ValueTask.FromResult(FrameKind.Recovered);
        if (span.StartsWith("{\"type\":\"recover_failed\""u8)) return ValueTask.FromResult(FrameKind.RecoverFailed);
        return ValueTask.FromResult(FrameKind.Other);
    }

    public async ValueTask DisposeAsync()
    {
        await _im.DisposeAsync();
        await _backplane.DisposeAsync();
    }
}
