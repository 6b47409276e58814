using System.Text;

namespace RetroIm.ImServer.Tests.Fuzz;

/// <summary>
/// Hostile frames on an accepted connection: random bytes as text and binary, truncated, huge and deeply nested JSON,
/// invalid UTF-8, broken fragmentation, control frames the RFC forbids, reserved opcodes and bits, unmasked frames,
/// lying lengths, and floods. Each connection gets a few of them, then closes, drops or waits to be closed.
/// </summary>
internal static class FrameFuzzer
{
    private const byte Fin = 0x80;
    private const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    public static async Task RunAsync(RawWebSocket ws, Random rng, FuzzStats stats, CancellationToken cancellationToken)
    {
        var actions = rng.Next(1, 6);
        for (var i = 0; i < actions; i++)
        {
            var kind = rng.Next(14);
            stats.Count("frame." + kind);
            await SendAsync(ws, kind, rng, cancellationToken);
        }
        switch (rng.Next(3))
        {
            case 0:
                await ws.WriteFrameAsync(Fin | Close, [0x03, 0xE8], cancellationToken);
                break;
            case 1:
                ws.Abort();
                return;
        }
        // Whatever the server does next (close frame, TCP close), read it; the caller's token bounds the wait.
        await ws.DrainAsync(cancellationToken);
    }

    private static Task SendAsync(RawWebSocket ws, int kind, Random rng, CancellationToken ct) => kind switch
    {
        0 => ws.WriteFrameAsync(Fin | Text, Bytes(rng, rng.Next(0, 2048)), ct),
        1 => ws.WriteFrameAsync(Fin | Binary, Bytes(rng, rng.Next(0, 2048)), ct),
        2 => ws.WriteFrameAsync(Fin | Text, Truncated(rng), ct),
        3 => ws.WriteFrameAsync(Fin | Text, Huge(rng), ct),
        4 => ws.WriteFrameAsync(Fin | Text, Nested(rng), ct),
        5 => ws.WriteFrameAsync(Fin | Text, InvalidUtf8(rng), ct),
        6 => FragmentedAsync(ws, rng, ct),
        7 => ControlAsync(ws, rng, ct),
        8 => ws.WriteFrameAsync((byte)(Fin | Reserved(rng)), Bytes(rng, rng.Next(0, 64)), ct),
        9 => ws.WriteFrameAsync((byte)(Fin | (0x10 << rng.Next(3)) | Text), Encoding.UTF8.GetBytes("""{"type":"ping"}"""), ct),
        10 => ws.WriteFrameAsync(Fin | Text, Encoding.UTF8.GetBytes("""{"type":"ping"}"""), ct, mask: false),
        11 => ws.WriteFrameAsync(Fin | Text, Bytes(rng, rng.Next(0, 32)), ct, declaredLength: (ulong)rng.NextInt64(1L << 20, long.MaxValue)),
        12 => FloodAsync(ws, rng, ct),
        _ => ws.WriteFrameAsync(Fin | Text, Encoding.UTF8.GetBytes(OddJson[rng.Next(OddJson.Length)]), ct),
    };

    private static readonly string[] OddJson =
    [
        "{}", "[]", "null", "\"ping\"", "12", """{"type":null}""", """{"type":12}""", """{"type":["ping"]}""",
        """{"type":"ping","type":"pong"}""", """{"type":"event","event":"x","data":{"a":1}}""", """{"type":"ack","offset":-1}""",
        """{"type":"join","chan":"x"}""", """{"type":"publish","chan":"*","data":1}""", """{"type":"\u0000"}""",
        """{"type":"ping"} trailing""", """{"type":"ping",}""", "\uFEFF{\"type\":\"ping\"}", """{"type":"ping","x":1e999999}""",
    ];

    private static byte[] Bytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Truncated(Random rng)
    {
        var json = Encoding.UTF8.GetBytes("""{"type":"ping","data":{"list":[1,2,3,"four",{"five":5.5}],"text":"héllo ✓"}}""");
        return json[..rng.Next(1, json.Length)];
    }

    /// <summary>Over MaxFrameBytes (64 KB): must close 1009 without buffering all of it.</summary>
    private static byte[] Huge(Random rng)
    {
        var pad = new string('a', rng.Next(70_000, 300_000));
        return Encoding.UTF8.GetBytes($$"""{"type":"ping","pad":"{{pad}}"}""");
    }

    private static byte[] Nested(Random rng)
    {
        var depth = rng.Next(64, 60_000);
        var text = new StringBuilder(depth * 6);
        text.Append("""{"type":"ping","data":""");
        for (var i = 0; i < depth; i++) text.Append(rng.Next(2) == 0 ? "[" : "{\"a\":");
        if (rng.Next(2) == 0) text.Append('1');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] InvalidUtf8(Random rng)
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];
        var prefix = Encoding.UTF8.GetBytes("""{"type":"ping","x":" """);
        return [.. prefix, .. bad[rng.Next(bad.Length)], .. "\"}"u8];
    }

    private static async Task FragmentedAsync(RawWebSocket ws, Random rng, CancellationToken ct)
    {
        var json = Encoding.UTF8.GetBytes("""{"type":"ping","pad":"fragmented message"}""");
        switch (rng.Next(5))
        {
            case 0:
                // A proper fragmented message, with a ping between the fragments (allowed by RFC 6455).
                var cut = rng.Next(1, json.Length);
                await ws.WriteFrameAsync(Text, json.AsSpan(0, cut), ct);
                await ws.WriteFrameAsync(Fin | Ping, "mid"u8, ct);
                await ws.WriteFrameAsync(Fin | Continuation, json.AsSpan(cut), ct);
                break;
            case 1:
                // Continuation with nothing to continue.
                await ws.WriteFrameAsync(Fin | Continuation, json, ct);
                break;
            case 2:
                // A new message before the last one ended.
                await ws.WriteFrameAsync(Text, json.AsSpan(0, 5), ct);
                await ws.WriteFrameAsync(Fin | Text, json, ct);
                break;
            case 3:
                // Many tiny fragments that add up to more than MaxFrameBytes.
                var chunk = new byte[4096];
                Array.Fill(chunk, (byte)'a');
                await ws.WriteFrameAsync(Text, "{\"type\":\"ping\",\"pad\":\""u8, ct);
                for (var i = 0; i < 20; i++) await ws.WriteFrameAsync(Continuation, chunk, ct);
                break;
            default:
                // Never finished: the connection sits mid-message until the server gives up on it.
                await ws.WriteFrameAsync(Text, json.AsSpan(0, 3), ct);
                break;
        }
    }

    private static Task ControlAsync(RawWebSocket ws, Random rng, CancellationToken ct) => rng.Next(6) switch
    {
        0 => ws.WriteFrameAsync(Fin | Ping, Bytes(rng, rng.Next(0, 126)), ct),
        1 => ws.WriteFrameAsync(Fin | Pong, Bytes(rng, rng.Next(0, 126)), ct),
        2 => ws.WriteFrameAsync(Fin | Ping, Bytes(rng, rng.Next(126, 2000)), ct),
        3 => ws.WriteFrameAsync(Ping, Bytes(rng, 8), ct),
        4 => ws.WriteFrameAsync(Fin | Close, [(byte)rng.Next(256)], ct),
        _ => ws.WriteFrameAsync(Fin | Close, Bytes(rng, rng.Next(2, 126)), ct),
    };

    private static byte Reserved(Random rng)
    {
        byte[] opcodes = [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF];
        return opcodes[rng.Next(opcodes.Length)];
    }

    private static async Task FloodAsync(RawWebSocket ws, Random rng, CancellationToken ct)
    {
        var ping = Encoding.UTF8.GetBytes("""{"type":"ping"}""");
        var count = rng.Next(50, 400);
        for (var i = 0; i < count; i++) await ws.WriteFrameAsync(Fin | Text, ping, ct);
    }
}
