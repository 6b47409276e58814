using System.Net.WebSockets;

namespace RetroIm.Bench;

/// <summary>
/// Socket.IO's client, spoken over a raw WebSocket so both systems are measured with the same load generator:
/// Engine.IO v4 (<c>/socket.io/?EIO=4&amp;transport=websocket</c>, open packet <c>0{…}</c>, ping <c>2</c> answered with
/// <c>3</c>) carrying Socket.IO v5 packets (connect <c>40</c>, event <c>42["msg",{…}]</c>).
/// </summary>
internal sealed class SocketIoClientProtocol(int[] ports, string? join) : IClientProtocol
{
    private static readonly byte[] Connect = "40"u8.ToArray();
    private static readonly byte[] Pong = "3"u8.ToArray();

    public async Task<ClientWebSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken)
    {
        var port = ports[(index + attempt) % ports.Length];
        var url = $"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket&clientId={Uri.EscapeDataString(clientId)}";
        if (join is not null) url += "&join=" + Uri.EscapeDataString(join);
        var ws = new ClientWebSocket();
        try
        {
            ws.Options.KeepAliveInterval = TimeSpan.Zero;
            await ws.ConnectAsync(new Uri(url), cancellationToken);
            var buffer = new byte[1024];
            var open = await ws.ReceiveAsync(buffer, cancellationToken);
            if (open.Count == 0 || buffer[0] != (byte)'0') throw new InvalidOperationException("no Engine.IO open packet");
            await ws.SendAsync(Connect, WebSocketMessageType.Text, true, cancellationToken);
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, cancellationToken);
                if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("closed during the Socket.IO connect");
                var frame = buffer.AsSpan(0, r.Count);
                if (frame.StartsWith("40"u8)) return ws;
                if (frame.StartsWith("44"u8)) throw new InvalidOperationException("connect_error: " + System.Text.Encoding.UTF8.GetString(frame));
                if (frame.SequenceEqual("2"u8)) await ws.SendAsync(Pong, WebSocketMessageType.Text, true, cancellationToken);
            }
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    public async ValueTask<FrameKind> HandleAsync(ClientWebSocket socket, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var span = frame.Span;
        if (span.StartsWith("42"u8)) return FrameKind.Message;
        if (span.Length == 1 && span[0] == (byte)'2')
            await socket.SendAsync(Pong, WebSocketMessageType.Text, true, cancellationToken);
        return FrameKind.Other;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
