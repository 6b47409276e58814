using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using RetroIm.Relay.Hosting;

namespace RetroIm.Relay.Transport;

/// <summary>The raw HTTP/1.1 answers of <see cref="RelayListener"/>: 101, or a refusal that closes the connection.</summary>
internal static class HandshakeResponses
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static byte[] SwitchingProtocols(string key)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + WebSocketGuid), hash);
        var head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "
            + Convert.ToBase64String(hash) + "\r\n\r\n";
        return Encoding.ASCII.GetBytes(head);
    }

    /// <summary>A whole HTTP/1.1 refusal (status, reason in the body, <c>Connection: close</c>).</summary>
    public static byte[] Refusal(HandshakeDecision decision)
    {
        byte[] body;
        string contentType;
        if (decision.WrongNode is { } wrongNode)
        {
            body = JsonSerializer.SerializeToUtf8Bytes(wrongNode, RelayJsonContext.Default.WrongNodeResponse);
            contentType = "application/json; charset=utf-8";
        }
        else
        {
            body = Encoding.UTF8.GetBytes(decision.Message ?? "");
            contentType = "text/plain; charset=utf-8";
        }
        var head = new StringBuilder(160)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {decision.Status} {ReasonPhrases.GetReasonPhrase(decision.Status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
        if (RelayHandshake.RetryAfter(decision) is { } retryAfter) head.Append("Retry-After: ").Append(retryAfter).Append("\r\n");
        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    /// <summary>Answers a request head that never completed in time, then the connection closes.</summary>
    public static readonly byte[] Timeout = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
}
