using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>A TCP connection speaking just enough HTTP/1.1 and RFC 6455 by hand to send odd handshakes.</summary>
internal sealed class RawUpgradeClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private NetworkStream Stream => _tcp.GetStream();

    /// <param name="receiveBuffer">The socket's receive buffer (SO_RCVBUF) when given: a small one shuts the window soon.</param>
    public static async Task<RawUpgradeClient> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var client = new RawUpgradeClient();
        if (receiveBuffer is { } size) client._tcp.ReceiveBufferSize = size;
        await client._tcp.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(10));
        return client;
    }

    /// <summary>An upgrade head for <paramref name="pathAndQuery"/>, with extra header lines when given.</summary>
    public static string UpgradeHead(string pathAndQuery, string extraHeaders = "", string key = "dGhlIHNhbXBsZSBub25jZQ==") =>
        $"GET {pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + $"Sec-WebSocket-Key: {key}\r\n{extraHeaders}\r\n";

    public static byte[] MaskedText(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        if (payload.Length > 125) throw new ArgumentException("short frames only", nameof(text));
        return MaskedFrame(0x81, payload);
    }

    /// <summary>A client frame: <paramref name="first"/> (FIN, RSV, opcode), then the payload (at most 125 bytes), masked unless told otherwise.</summary>
    public static byte[] MaskedFrame(byte first, ReadOnlySpan<byte> payload, bool mask = true)
    {
        if (payload.Length > 125) throw new ArgumentException("short frames only", nameof(payload));
        var key = mask ? RandomNumberGenerator.GetBytes(4) : [];
        var frame = new byte[2 + key.Length + payload.Length];
        frame[0] = first;
        frame[1] = (byte)((mask ? 0x80 : 0) | payload.Length);
        key.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++) frame[2 + key.Length + i] = mask ? (byte)(payload[i] ^ key[i % 4]) : payload[i];
        return frame;
    }

    /// <summary>True once the server closed the TCP connection (a read returns nothing); false if it is still open after <paramref name="within"/>.</summary>
    public async Task<bool> ClosedAsync(TimeSpan within)
    {
        try
        {
            var read = await Stream.ReadAsync(_buffer.AsMemory(_end)).AsTask().WaitAsync(within);
            return read == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async Task SendAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    /// <summary>The response head (status line and headers), then the body when Content-Length says there is one.</summary>
    public async Task<(int Status, string Head, string Body)> ReadResponseAsync()
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0) await FillAsync();
        var head = Encoding.Latin1.GetString(_buffer, _start, end);
        _start += end + 4;
        var status = int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            // Only the end of a chunked body matters here: skip to the last chunk.
            int last;
            while ((last = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n0\r\n\r\n"u8)) < 0) await FillAsync();
            _start += last + 7;
            return (status, head, "");
        }
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        while (_end - _start < length) await FillAsync();
        var body = Encoding.UTF8.GetString(_buffer, _start, length);
        _start += length;
        return (status, head, body);
    }

    /// <summary>The next unfragmented server frame: its opcode and payload as text.</summary>
    public async Task<(int Opcode, string Payload)> ReadFrameAsync()
    {
        var (opcode, payload) = await ReadRawFrameAsync();
        return (opcode, Encoding.UTF8.GetString(payload));
    }

    /// <summary>The next unfragmented server frame: its opcode and payload bytes.</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadRawFrameAsync()
    {
        while (_end - _start < 2) await FillAsync();
        var opcode = _buffer[_start] & 0x0F;
        var length = _buffer[_start + 1] & 0x7F;
        var headerLength = 2;
        if (length == 126)
        {
            while (_end - _start < 4) await FillAsync();
            length = (_buffer[_start + 2] << 8) | _buffer[_start + 3];
            headerLength = 4;
        }
        while (_end - _start < headerLength + length) await FillAsync();
        var payload = _buffer.AsSpan(_start + headerLength, length).ToArray();
        _start += headerLength + length;
        return (opcode, payload);
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await Stream.ReadAsync(_buffer.AsMemory(_end)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        if (read == 0) throw new EndOfStreamException("the server closed the connection");
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
