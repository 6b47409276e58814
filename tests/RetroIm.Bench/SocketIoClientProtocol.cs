using System.Net.WebSockets;

namespace RetroIm.Bench;

/// <summary>
/// Socket.IO's client, spoken over a raw WebSocket so both systems are measured with the same load generator:
/// Engine.IO v4 (<c>/socket.io/?EIO=4&amp;transport=websocket</c>, open packet <c>0{…}</c>, ping <c>2</c> answered with
/// <c>3</c>) carrying Socket.IO v5 packets (connect <c>40</c>, event <c>42["msg",{…}]</c>).
/// </summary>
internal sealed class SocketIoClientProtocol(int[] ports, string? join) : IClientProtocol
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private static readonly Func<BenchSocket, CancellationToken, Task> Connect = ConnectNamespaceAsync;

    public Task<BenchSocket> ConnectAsync(string clientId, int index, int attempt, string? recover, CancellationToken cancellationToken)
    {
        var port = ports[(index + attempt) % ports.Length];
        var url = $"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket&clientId={Uri.EscapeDataString(clientId)}";
        if (join is not null) url += "&join=" + Uri.EscapeDataString(join);
        return BenchSocket.ConnectAsync(url, HandshakeTimeout, Connect, cancellationToken);
    }

    /// <summary>Engine.IO open packet, then the Socket.IO connect of the main namespace (<c>40</c> → <c>40{…}</c>).</summary>
    private static async Task ConnectNamespaceAsync(BenchSocket socket, CancellationToken cancellationToken)
    {
        var open = await socket.ReceiveAsync(cancellationToken);
        if (open.Type == WebSocketMessageType.Close || open.Payload.Length == 0 || open.Payload.Span[0] != (byte)'0')
            throw new InvalidOperationException("no Engine.IO open packet");
        socket.SendText("40"u8);
        while (true)
        {
            var r = await socket.ReceiveAsync(cancellationToken);
            if (r.Type == WebSocketMessageType.Close) throw new InvalidOperationException("closed during the Socket.IO connect");
            var frame = r.Payload.Span;
            if (frame.StartsWith("40"u8)) return;
            if (frame.StartsWith("44"u8)) throw new InvalidOperationException("connect_error: " + System.Text.Encoding.UTF8.GetString(frame));
            if (frame.SequenceEqual("2"u8)) socket.SendText("3"u8);
        }
    }

    public FrameKind Handle(BenchSocket socket, ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("42"u8)) return FrameKind.Message;
        if (frame.Length == 1 && frame[0] == (byte)'2') socket.SendText("3"u8);
        return FrameKind.Other;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
