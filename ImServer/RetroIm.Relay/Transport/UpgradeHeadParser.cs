using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace RetroIm.Relay.Transport;

/// <summary>
/// Recognises a WebSocket upgrade to one path in the first bytes of a connection without consuming them. Anything
/// it is not sure about is <see cref="HeadKind.NotOurs"/>: the HTTP pipeline, with Kestrel's own limits and
/// errors, gets the untouched bytes.
/// </summary>
internal static class UpgradeHeadParser
{
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    /// <param name="prefix">The request line's start, <c>GET /ws</c> as ASCII.</param>
    /// <param name="headLength">With <see cref="HeadKind.Ours"/>: the bytes of the head, up to and including the blank line.</param>
    public static HeadKind Parse(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix, int maxHeadBytes, out UpgradeHead? head, out long headLength)
    {
        head = null;
        headLength = 0;
        // "GET /ws" then '?' or ' ': decide as soon as the bytes allow, so other requests never wait for a whole head.
        Span<byte> start = stackalloc byte[prefix.Length + 1];
        var available = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, available).CopyTo(start);
        var prefixPart = Math.Min(available, prefix.Length);
        if (!start[..prefixPart].SequenceEqual(prefix[..prefixPart])) return HeadKind.NotOurs;
        if (available < start.Length) return HeadKind.NeedMore;
        if (start[prefix.Length] is not ((byte)'?' or (byte)' ')) return HeadKind.NotOurs;

        var reader = new SequenceReader<byte>(buffer.Length > maxHeadBytes ? buffer.Slice(0, maxHeadBytes) : buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead, advancePastDelimiter: true))
        {
            return buffer.Length >= maxHeadBytes ? HeadKind.NotOurs : HeadKind.NeedMore;
        }
        headLength = reader.Consumed;
        // Latin-1 maps every byte to one char, so nothing in a header can break the parse; the head is at most a few KB.
        head = ParseHead(Encoding.Latin1.GetString(buffer.Slice(0, headLength - EndOfHead.Length)), prefix.Length - "GET ".Length);
        return head is null ? HeadKind.NotOurs : HeadKind.Ours;
    }

    private static UpgradeHead? ParseHead(string text, int pathLength)
    {
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[2] != "HTTP/1.1") return null;
        var target = requestLine[1];
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        if ((queryStart < 0 ? target.Length : queryStart) != pathLength) return null;

        string? upgrade = null, connection = null, key = null, version = null, origin = null;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            // Obsolete line folding, empty names, stray bare CR/LF: malformed, HTTP answers it.
            if (colon <= 0 || line[0] is ' ' or '\t' || line.AsSpan().IndexOfAny('\r', '\n') >= 0) return null;
            var name = line.AsSpan(0, colon);
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)) upgrade = value;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) connection = connection is null ? value : connection + "," + value;
            else if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase)) key = key is null ? value : "";
            else if (name.Equals("Sec-WebSocket-Version", StringComparison.OrdinalIgnoreCase)) version = value;
            else if (name.Equals("Origin", StringComparison.OrdinalIgnoreCase)) origin = origin is null ? value : origin + "," + value;
            // A body on an upgrade request is not something this path handles.
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value != "0") return null;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) return null;
        }
        // Not an upgrade at all (a plain GET /ws): the HTTP endpoint answers it.
        if (upgrade is null || !upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase)) return null;

        var isWebSocket = connection is not null && HasToken(connection, "Upgrade") && version == "13" && key is not null && IsValidKey(key);
        var query = queryStart < 0 ? null : QueryHelpers.ParseQuery(target[queryStart..]);
        return new UpgradeHead(isWebSocket, key ?? "", origin,
            query is not null && query.TryGetValue("token", out var token) ? token.ToString() : "",
            query is not null && query.TryGetValue("recover", out var recover) ? recover.ToString() : "");
    }

    private static bool HasToken(string list, string token)
    {
        foreach (var part in list.Split(','))
        {
            if (part.Trim(' ', '\t').Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }
}
