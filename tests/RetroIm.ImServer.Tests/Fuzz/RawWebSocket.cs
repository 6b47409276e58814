using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace RetroIm.ImServer.Tests.Fuzz;

/// <summary>
/// A WebSocket client over a bare TCP socket that writes whatever frame bytes it is told to — reserved opcodes, bad
/// lengths, unmasked frames, broken fragmentation — which no real client library would send.
/// </summary>
internal sealed class RawWebSocket : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawWebSocket(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Opens a TCP connection to 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<RawWebSocket> ConnectTcpAsync(int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
            return new RawWebSocket(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Completes a correct RFC 6455 handshake for <paramref name="pathAndQuery"/>; the status line's code.</summary>
    public async Task<int> HandshakeAsync(string pathAndQuery, int port, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"), cancellationToken);
        var head = await ReadHeadAsync(cancellationToken);
        return head.Length > 12 && int.TryParse(head.AsSpan(9, 3), out var status) ? status : 0;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes one frame: <paramref name="firstByte"/> is FIN|RSV|opcode as sent; the payload is masked unless told
    /// otherwise; <paramref name="declaredLength"/> lies about the length when set.
    /// </summary>
    public Task WriteFrameAsync(byte firstByte, ReadOnlySpan<byte> payload, CancellationToken cancellationToken, bool mask = true, ulong? declaredLength = null)
    {
        var length = declaredLength ?? (ulong)payload.Length;
        var frame = new byte[14 + payload.Length];
        var at = 0;
        frame[at++] = firstByte;
        var maskBit = mask ? (byte)0x80 : (byte)0;
        if (length < 126)
        {
            frame[at++] = (byte)(maskBit | (byte)length);
        }
        else if (length <= ushort.MaxValue)
        {
            frame[at++] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), (ushort)length);
            at += 2;
        }
        else
        {
            frame[at++] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(at), length);
            at += 8;
        }
        Span<byte> key = stackalloc byte[4];
        if (mask)
        {
            RandomNumberGenerator.Fill(key);
            key.CopyTo(frame.AsSpan(at));
            at += 4;
        }
        for (var i = 0; i < payload.Length; i++) frame[at + i] = mask ? (byte)(payload[i] ^ key[i & 3]) : payload[i];
        return WriteAsync(frame.AsMemory(0, at + payload.Length), cancellationToken);
    }

    /// <summary>Reads and discards until the server closes the TCP connection or the token fires; how many bytes came.</summary>
    public async Task<long> DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        long total = 0;
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, cancellationToken);
                if (read == 0) return total;
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return total;
        }
    }

    /// <summary>Waits for the first bytes of an answer (or the end of the connection); how many came.</summary>
    public async Task<int> ReadSomeAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            return await _stream.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>Drops the connection with a TCP reset rather than a FIN.</summary>
    public void Abort()
    {
        try
        {
            _tcp.Client.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        _tcp.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The response head up to the blank line (bounded to 16 KB), as ASCII.</summary>
    private async Task<string> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        // One byte at a time: anything after the blank line is the first WebSocket frame and must stay unread.
        while (head.Count < 16 * 1024)
        {
            if (await _stream.ReadAsync(one, cancellationToken) == 0) break;
            head.Add(one[0]);
            var n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n') break;
        }
        return Encoding.ASCII.GetString(head.ToArray());
    }
}
