using System.Text;

namespace RetroIm.ImServer.Tests.Fuzz;

/// <summary>
/// Hostile upgrade requests over raw TCP: garbage, broken request lines and headers, bad Sec-WebSocket-Key and
/// version, missing upgrade headers, oversized headers, an HTTP/2 preface, and slowloris-style partial headers
/// trickled a byte at a time (bounded by the caller's token).
/// </summary>
internal static class HandshakeFuzzer
{
    private static readonly byte[] SlowByte = "a"u8.ToArray();

    public static async Task RunAsync(int port, string token, Random rng, FuzzStats stats, CancellationToken cancellationToken)
    {
        var kind = rng.Next(16);
        stats.Count("handshake." + kind);
        await using var tcp = await RawWebSocket.ConnectTcpAsync(port, cancellationToken);
        var request = kind switch
        {
            0 => RandomBytes(rng),
            1 => Request(port, token, key: "short"),
            2 => Request(port, token, key: "!!!!not base64!!!!!!!=="),
            3 => Request(port, token, key: ""),
            4 => Request(port, token, version: "8"),
            5 => Request(port, token, upgrade: false),
            6 => Request(port, token, connection: false),
            7 => Request(port, token, extraHeader: "X-Big: " + new string('x', rng.Next(20_000, 100_000))),
            8 => Request(port, token, extraHeader: string.Join("\r\n", Enumerable.Range(0, 300).Select(i => $"X-H{i}: {i}"))),
            9 => Request(port, token, extraHeader: "Bad Header\u0000: v"),
            10 => Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + new string('\0', 64)),
            11 => Encoding.ASCII.GetBytes($"GET /ws?token={new string('A', rng.Next(5_000, 70_000))} HTTP/1.1\r\nHost: x\r\n\r\n"),
            12 => Encoding.ASCII.GetBytes($"G\u0001T /ws?token=%ZZ%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
            13 => Request(port, token, extraHeader: "Content-Length: 100\r\nTransfer-Encoding: chunked"),
            14 => Encoding.ASCII.GetBytes($"GET /ws?token={token} HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
            _ => null,
        };
        if (request is null)
        {
            await SlowlorisAsync(tcp, port, token, rng, stats, cancellationToken);
            return;
        }
        try
        {
            await tcp.WriteAsync(request, cancellationToken);
        }
        catch (IOException)
        {
            // The server may refuse mid-request (e.g. headers too large) and reset the connection.
        }
        // The answer (400, 431, …) or the server hanging up; a kept-alive connection is not waited out.
        await tcp.ReadSomeAsync(cancellationToken);
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[rng.Next(1, 4096)];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Request(int port, string token, string? key = null, string version = "13", bool upgrade = true, bool connection = true, string? extraHeader = null)
    {
        var text = new StringBuilder($"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
        if (connection) text.Append("Connection: Upgrade\r\n");
        if (upgrade) text.Append("Upgrade: websocket\r\n");
        text.Append($"Sec-WebSocket-Version: {version}\r\n");
        text.Append($"Sec-WebSocket-Key: {key ?? "dGhlIHNhbXBsZSBub25jZQ=="}\r\n");
        if (extraHeader is not null) text.Append(extraHeader).Append("\r\n");
        text.Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A byte every 50–300 ms of a request that never completes; ends when the token fires or the server hangs up.</summary>
    private static async Task SlowlorisAsync(RawWebSocket tcp, int port, string token, Random rng, FuzzStats stats, CancellationToken cancellationToken)
    {
        var partial = Encoding.ASCII.GetBytes($"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ");
        try
        {
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                // The request line and headers, then an endless header value.
                var next = i < partial.Length ? partial.AsMemory(i, 1) : SlowByte;
                await tcp.WriteAsync(next, cancellationToken);
                await Task.Delay(rng.Next(50, 300), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            stats.Count(e is IOException ? "slowloris.cut_by_server" : "slowloris.held");
        }
    }
}
