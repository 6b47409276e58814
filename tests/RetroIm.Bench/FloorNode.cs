using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// One node of the floor (<c>--floor</c>): the least a WebSocket broadcaster can do on this machine, so every figure
/// has a floor measured beside it. It accepts the load generator's upgrades, answers 101 and a welcome frame, and
/// then, told a plan over stdin (the same JSON the Socket.IO publisher takes), makes each message itself and writes it
/// to each of its sockets with one non-blocking <c>send</c>: no Redis, no routing, no queue, no keep-alive, no
/// reading. Whatever a real relay spends beyond this is its own cost; what this spends is the machine's.
/// </summary>
/// <remarks>
/// <c>RetroIm.Bench floor-node --node I --nodes N</c> prints <c>{"event":"ready","port":P}</c>, answers each plan
/// with <c>{"event":"done","seconds":…,"sent":…,"blocked":…}</c>, <c>gc</c> (a full collection, for the idle
/// scenario's after-GC memory) with <c>{"event":"gc"}</c>, <c>alloc</c> with what <c>GET /debug/alloc</c> answers on a
/// RetroIm bench node, and exits on <c>exit</c> or the end of stdin. Client
/// <c>c{i}</c> belongs to node <c>i mod N</c> (the load generator connects it there); a direct plan's message k goes
/// to client <c>k mod clients</c> at its global due time, so N nodes together keep the offered rate.
/// </remarks>
internal static class FloorNode
{
    private const int MaxHead = 8192;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] Welcome = TextFrame("{\"type\":\"welcome\"}"u8);
    private static readonly byte[] MessageHead = "{\"type\":\"message\",\"data\":"u8.ToArray();
    private static readonly ConcurrentDictionary<string, Socket> Clients = new(StringComparer.Ordinal);
    private static long _blocked;

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var (node, nodes) = (Arg("--node"), Math.Max(1, Arg("--nodes")));
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        _ = AcceptLoopAsync(listener);
        Emit(new { @event = "ready", port = ((IPEndPoint)listener.LocalEndPoint!).Port });
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            if (line == "gc")
            {
                // As a RetroIm bench node's POST /debug/gc: a full, compacting collection that gives free memory back.
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Emit(new { @event = "gc" });
                continue;
            }
            if (line == "alloc")
            {
                // As a RetroIm bench node's GET /debug/alloc.
                Emit(new { allocatedBytes = GC.GetTotalAllocatedBytes(precise: true), gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2), pauseMs = (long)GC.GetTotalPauseDuration().TotalMilliseconds });
                continue;
            }
            using var command = JsonDocument.Parse(line);
            Emit(Publish(command.RootElement, node, nodes));
        }
        return 0;
    }

    private static async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            _ = HandshakeAsync(socket);
        }
    }

    /// <summary>Reads the upgrade request, answers 101 and the welcome in one write, and keeps the socket by its <c>id</c>.</summary>
    private static async Task HandshakeAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        byte[]? buffer = null;
        try
        {
            // Only for the handshake: an idle floor connection holds its socket and nothing else.
            buffer = ArrayPool<byte>.Shared.Rent(MaxHead);
            var length = 0;
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == buffer.Length) throw new IOException("upgrade request head too long");
                var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
                if (n == 0) throw new IOException("closed during the upgrade");
                length += n;
            }
            var head = Encoding.ASCII.GetString(buffer, 0, end);
            var id = QueryValue(head, "id") ?? throw new IOException("no id in the upgrade request");
            var key = WebSocketWire.HeaderValue(head, "Sec-WebSocket-Key") ?? throw new IOException("no Sec-WebSocket-Key");
            var response = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {BenchSocket.AcceptFor(key)}\r\n\r\n");
            socket.NoDelay = true;
            await socket.SendAsync(response.Concat(Welcome).ToArray(), SocketFlags.None, timeout.Token);
            socket.Blocking = false;
            if (Clients.TryGetValue(id, out var previous)) previous.Dispose();
            Clients[id] = socket;
        }
        catch (Exception)
        {
            // Whatever went wrong (a closed socket, a timeout, a head it cannot read): this client is refused, the node goes on.
            socket.Dispose();
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string? QueryValue(string head, string name)
    {
        var line = head[..Math.Max(0, head.IndexOf("\r\n", StringComparison.Ordinal))];
        var query = line.IndexOf('?');
        if (query < 0) return null;
        var target = line[(query + 1)..line.LastIndexOf(' ')];
        foreach (var pair in target.Split('&'))
        {
            if (pair.StartsWith(name + "=", StringComparison.Ordinal)) return Uri.UnescapeDataString(pair[(name.Length + 1)..]);
        }
        return null;
    }

    /// <summary>Runs one plan on this thread, keeping the global schedule; the answer for the orchestrator.</summary>
    private static object Publish(JsonElement command, int node, int nodes)
    {
        var direct = command.GetProperty("kind").GetString() == "direct";
        var messages = command.GetProperty("messages").GetInt32();
        var firstSeq = command.GetProperty("firstSeq").GetInt64();
        var perSecond = command.GetProperty("perSecond").GetDouble();
        var size = command.GetProperty("size").GetInt32();
        var clients = direct ? command.GetProperty("clients").GetInt32() : 0;
        var prefix = command.GetProperty("prefix").GetString()!;
        var all = direct ? [] : InClientOrder(prefix);
        long total = direct ? (long)messages * clients : messages, sent = 0;
        var blockedBefore = Interlocked.Read(ref _blocked);
        var watch = Stopwatch.StartNew();
        for (long k = 0; k < total; k++)
        {
            if (direct && (k % clients) % nodes != node) continue;
            WaitUntil(watch, k / perSecond);
            var seq = firstSeq + (direct ? k / clients : k);
            // Made like a business would: stamped now, then framed once.
            var frame = TextFrame([.. MessageHead, .. BenchPayload.Create(BenchPayload.NowMicros(), seq, size), (byte)'}']);
            if (!direct)
            {
                foreach (var socket in all) sent += SendAll(socket, frame) ? 1 : 0;
            }
            else if (Clients.TryGetValue(prefix + (k % clients), out var socket))
            {
                sent += SendAll(socket, frame) ? 1 : 0;
            }
        }
        return new { @event = "done", seconds = watch.Elapsed.TotalSeconds, sent, blocked = Interlocked.Read(ref _blocked) - blockedBefore };
    }

    /// <summary>
    /// The sockets in client order (c0, c1, …), as a relay's channel members are in join order. The order matters here:
    /// consecutive clients live in the same load-generator process, which one wake-up then drains, while a hash order
    /// wakes a different process for nearly every send and costs both sides more.
    /// </summary>
    private static Socket[] InClientOrder(string prefix)
        => Clients.OrderBy(c => c.Key.StartsWith(prefix, StringComparison.Ordinal) && long.TryParse(c.Key.AsSpan(prefix.Length), out var i) ? i : long.MaxValue)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Value)
            .ToArray();

    /// <summary>Sleeps until the message is due (never spins: spinning would bill the floor for waiting). Messages are stamped when sent, so a late wake-up moves no latency.</summary>
    private static void WaitUntil(Stopwatch watch, double seconds)
    {
        double left;
        while ((left = seconds - watch.Elapsed.TotalSeconds) > 0) Thread.Sleep(TimeSpan.FromSeconds(Math.Max(left, 0.001)));
    }

    /// <summary>
    /// One non-blocking send of the whole frame. When the kernel's buffer is full (a reader that fell behind) it waits
    /// for room, at most a few seconds, and counts it in <c>blocked</c>: the floor has no queue to put it in.
    /// </summary>
    private static bool SendAll(Socket socket, byte[] frame)
    {
        var sent = 0;
        var waits = 0;
        try
        {
            while (sent < frame.Length)
            {
                var n = socket.Send(frame, sent, frame.Length - sent, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    if (waits++ == 0) Interlocked.Increment(ref _blocked);
                    if (waits > 5) return false;
                    socket.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectWrite);
                    continue;
                }
                if (error != SocketError.Success) return false;
                sent += n;
            }
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false; // replaced by the same client's newer connection
        }
    }

    private static byte[] TextFrame(ReadOnlySpan<byte> payload)
    {
        var header = WebSocketWire.HeaderLength(payload.Length, masked: false);
        var frame = new byte[header + payload.Length];
        WebSocketWire.WriteHeader(frame, 0x1, payload.Length, masked: false);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    private static void Emit(object o)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(o));
        Console.Out.Flush();
    }
}
