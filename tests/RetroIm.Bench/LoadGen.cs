using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>
/// One load-generator process: issues connect URLs through ImClient, opens its share of WebSockets, and measures what
/// arrives. Driven over stdin/stdout by <see cref="Orchestrator"/> with one JSON object per line:
/// it prints {"event":"ready",…} once connected, answers "report" with {"event":"report",…}, and exits on "exit".
/// Clients are spread over several such processes because one process may open at most 20,000 files here.
/// </summary>
internal sealed class LoadGen
{
    private readonly string[] _ids;
    private readonly long[] _lastSeq;
    private readonly long[] _received;
    private readonly LatencyHistogram _latency = new();
    private long _duplicates;
    private long _reordered;

    private LoadGen(string[] ids)
    {
        _ids = ids;
        _lastSeq = new long[ids.Length];
        _received = new long[ids.Length];
        Array.Fill(_lastSeq, -1);
    }

    public static async Task<int> RunAsync(string redis, string idPrefix, int first, int count, int concurrency)
    {
        var ids = Enumerable.Range(first, count).Select(i => idPrefix + i).ToArray();
        var gen = new LoadGen(ids);
        await using var backplane = new RedisBackplane(RedisOptions.Parse(redis));
        await using var im = new ImClient(backplane);
        using var stop = new CancellationTokenSource();
        var sockets = new ClientWebSocket?[ids.Length];

        var connectWatch = Stopwatch.StartNew();
        var connectTimes = new LatencyHistogram();
        long failed = 0;
        var errors = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var url = await im.PrevConnectServerAsync(ids[i], null, ct);
                var ws = new ClientWebSocket();
                ws.Options.KeepAliveInterval = TimeSpan.Zero;
                await ws.ConnectAsync(new Uri(url), ct);
                var welcome = new byte[1024];
                var r = await ws.ReceiveAsync(welcome, ct);
                if (r.MessageType != WebSocketMessageType.Text) throw new InvalidOperationException("no welcome");
                sockets[i] = ws;
                connectTimes.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref failed);
                lock (errors) if (errors.Count < 5) errors.Add(e.GetType().Name + ": " + e.Message);
            }
        });
        var connectSeconds = connectWatch.Elapsed.TotalSeconds;

        var loops = new List<Task>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
            if (sockets[i] is { } ws) loops.Add(gen.ReceiveLoopAsync(i, ws, stop.Token));

        Emit(new
        {
            @event = "ready", connected = ids.Length - failed, failed, connect_s = connectSeconds,
            connect_p50_ms = connectTimes.PercentileMs(50), connect_p99_ms = connectTimes.PercentileMs(99), errors,
        });

        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "report")
            {
                Emit(gen.Report());
            }
            else if (line == "reset")
            {
                gen.Reset();
                Emit(new { @event = "reset" });
            }
            else if (line == "exit")
            {
                break;
            }
        }
        stop.Cancel();
        foreach (var ws in sockets) ws?.Abort();
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    private object Report()
    {
        long total = 0, min = long.MaxValue, max = 0;
        foreach (var r in _received)
        {
            total += r;
            min = Math.Min(min, r);
            max = Math.Max(max, r);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return new
        {
            @event = "report", received = total, per_client_min = min, per_client_max = max,
            duplicated = Interlocked.Read(ref _duplicates), reordered = Interlocked.Read(ref _reordered),
            cpu_s = cpu, hist = _latency.ToSparse(),
        };
    }

    private void Reset()
    {
        Array.Clear(_received);
        Array.Fill(_lastSeq, -1);
        _latency.Clear();
        Interlocked.Exchange(ref _duplicates, 0);
        Interlocked.Exchange(ref _reordered, 0);
    }

    private async Task ReceiveLoopAsync(int index, ClientWebSocket ws, CancellationToken ct)
    {
        await Task.Yield();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += r.Count;
                    if (r.MessageType == WebSocketMessageType.Close) return;
                } while (!r.EndOfMessage && length < buffer.Length);
                if (BenchPayload.TryRead(buffer.AsSpan(0, length), out var sent, out var seq))
                {
                    _latency.Record(BenchPayload.NowMicros() - sent);
                    _received[index]++;
                    var last = _lastSeq[index];
                    if (seq == last) Interlocked.Increment(ref _duplicates);
                    else if (seq < last) Interlocked.Increment(ref _reordered);
                    _lastSeq[index] = Math.Max(last, seq);
                }
            }
        }
        catch (Exception) when (ct.IsCancellationRequested || ws.State != WebSocketState.Open)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly object ConsoleLock = new();

    private static void Emit(object o)
    {
        lock (ConsoleLock) Console.Out.WriteLine(JsonSerializer.Serialize(o));
        Console.Out.Flush();
    }
}
