using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// One load-generator process: opens its share of the clients' WebSockets and measures what arrives. Driven over
/// stdin/stdout by the orchestrator, one line each way: it prints {"event":"hello","receive":…} when started, answers "connect"
/// (or "connect N": the next N clients) with {"event":"ready",…} once each of them tried once, "churn N" (its first N
/// connected clients close and connect again) with the same {"event":"ready",…}, "report" with {"event":"report",…},
/// "status" with the same counters and no latencies, "reset" with {"event":"reset"}, and exits on "exit". Clients are
/// spread over several such processes because one process may open at most 20,000 files here. With
/// <see cref="LoadGenSpec.Recover"/> a client whose socket drops reconnects (RetroIm: a fresh connect URL plus its last
/// channel position, so the node replays what it missed).
/// </summary>
internal sealed class LoadGen
{
    private readonly LoadGenSpec _spec;
    private readonly IClientProtocol _protocol;
    private readonly string[] _ids;
    private readonly long[] _lastSeq;
    private readonly long[] _lastAt;
    private readonly long[] _received;
    private readonly string?[] _stream;
    private readonly string?[] _epoch;
    private readonly long[] _offset;
    private readonly BenchSocket?[] _sockets;
    private readonly Task?[] _clientTasks;
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyTimeline _timeline = new();
    private readonly List<string> _errors = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly MessageReceiver _receiver;
    private readonly string? _uringRefused;
    private long _duplicates;
    private long _connectedNow;
    private long _disconnects;
    private long _reconnects;
    private long _recovered;
    private long _recoverFailed;
    private long _lastReconnectAt;
    private int _nextToConnect;

    private LoadGen(LoadGenSpec spec, IClientProtocol protocol)
    {
        _spec = spec;
        _protocol = protocol;
        _ids = Enumerable.Range(spec.First, spec.Count).Select(i => spec.Prefix + i).ToArray();
        _lastSeq = new long[spec.Count];
        _lastAt = new long[spec.Count];
        _received = new long[spec.Count];
        _stream = new string?[spec.Count];
        _epoch = new string?[spec.Count];
        _offset = new long[spec.Count];
        _sockets = new BenchSocket?[spec.Count];
        _clientTasks = new Task?[spec.Count];
        Array.Fill(_lastSeq, -1);
        _receiver = MessageReceiver.Create(out _uringRefused);
    }

    public static async Task<int> RunAsync(LoadGenSpec spec)
    {
        await using IClientProtocol protocol = spec.Protocol switch
        {
            "socketio" => new SocketIoClientProtocol(spec.Ports, spec.Join),
            "floor" => new FloorClientProtocol(spec.Ports),
            _ => new RetroImClientProtocol(spec.Redis ?? throw new ArgumentException("--redis is required")),
        };
        var gen = new LoadGen(spec, protocol);
        Emit(new { @event = "hello", receive = gen._receiver.Kind, refused = gen._uringRefused });
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "connect") Emit(await gen.ConnectAsync(int.MaxValue));
            else if (line.StartsWith("connect ", StringComparison.Ordinal)) Emit(await gen.ConnectAsync(int.Parse(line.AsSpan(8), System.Globalization.CultureInfo.InvariantCulture)));
            else if (line.StartsWith("churn ", StringComparison.Ordinal)) Emit(await gen.ChurnAsync(int.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture)));
            else if (line == "report") Emit(gen.Report(latency: true));
            else if (line == "status") Emit(gen.Report(latency: false));
            else if (line == "reset") Emit(gen.Reset());
            else if (line == "exit") break;
        }
        gen._stop.Cancel();
        // Every client's current task (a churned client's earlier one has ended).
        await Task.WhenAll(gen._clientTasks.OfType<Task>()).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        gen._receiver.Dispose();
        return 0;
    }

    /// <summary>
    /// Connects the next <paramref name="count"/> clients not tried yet (all that are left for <c>connect</c>, N for
    /// <c>connect N</c>: the orchestrator splits each process's clients into a cold and a warm half that way).
    /// </summary>
    private Task<object> ConnectAsync(int count)
    {
        var first = _nextToConnect;
        var take = Math.Min(count, _ids.Length - first);
        _nextToConnect += take;
        return ConnectEachAsync(Enumerable.Range(first, take).ToArray());
    }

    /// <summary>
    /// A warm-up round (<c>churn N</c>): the first <paramref name="count"/> connected clients close their sockets and,
    /// once each has seen its socket end, connect again. The servers run their connect and disconnect paths
    /// often enough that the runtime optimises them (tiered JIT counts calls) before a measured connect. Not for
    /// clients that reconnect by themselves (<see cref="LoadGenSpec.Recover"/>).
    /// </summary>
    private async Task<object> ChurnAsync(int count)
    {
        if (_spec.Recover) throw new InvalidOperationException("churn is not for clients that reconnect by themselves");
        var chosen = Enumerable.Range(0, _nextToConnect).Where(i => _sockets[i] is not null).Take(count).ToArray();
        foreach (var i in chosen) _sockets[i]!.Shutdown();
        // Each client's task ends once its socket has closed (the close of a shut-down socket is local; bounded all the
        // same: a client still open after it is reported and left out).
        try
        {
            await Task.WhenAll(chosen.Select(i => _clientTasks[i]!)).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException e)
        {
            AddError(e);
            chosen = Array.FindAll(chosen, i => _clientTasks[i]!.IsCompleted);
        }
        return await ConnectEachAsync(chosen);
    }

    /// <summary>Connects the clients at <paramref name="indices"/>, <see cref="LoadGenSpec.Concurrency"/> at a time; the "ready" answer.</summary>
    private async Task<object> ConnectEachAsync(int[] indices)
    {
        var watch = Stopwatch.StartNew();
        var connectTimes = new LatencyHistogram();
        long failed = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = _spec.Concurrency, CancellationToken = _stop.Token };
        await Parallel.ForEachAsync(indices, options, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var ws = await _protocol.ConnectAsync(_ids[i], _spec.First + i, 0, null, ct);
                connectTimes.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                Interlocked.Increment(ref _connectedNow);
                var task = RunClientAsync(i, ws);
                _clientTasks[i] = task;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.Increment(ref failed);
                AddError(e);
            }
        });
        return new
        {
            @event = "ready", connected = indices.Length - failed, failed, connect_s = watch.Elapsed.TotalSeconds,
            connect_p50_ms = connectTimes.PercentileMs(50), connect_p99_ms = connectTimes.PercentileMs(99), errors = Errors(),
        };
    }

    private async Task RunClientAsync(int index, BenchSocket ws)
    {
        await Task.Yield();
        while (true)
        {
            _sockets[index] = ws;
            await ReceiveUntilClosedAsync(index, ws);
            _sockets[index] = null;
            Interlocked.Decrement(ref _connectedNow);
            ws.Dispose();
            if (_stop.IsCancellationRequested) return;
            Interlocked.Increment(ref _disconnects);
            if (!_spec.Recover) return;
            var again = await ReconnectAsync(index);
            if (again is null) return;
            ws = again;
            Interlocked.Increment(ref _connectedNow);
            Interlocked.Increment(ref _reconnects);
            InterlockedMax(ref _lastReconnectAt, BenchPayload.NowMicros());
        }
    }

    private async Task<BenchSocket?> ReconnectAsync(int index)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 1; deadline.Elapsed < TimeSpan.FromSeconds(120) && !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                return await _protocol.ConnectAsync(_ids[index], _spec.First + index, attempt, RecoverParameter(index), _stop.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (attempt > 20) AddError(e);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            // Back off with jitter so thousands of orphaned clients do not retry in lockstep.
            var backoff = Math.Min(1000, 100 * attempt) + Random.Shared.Next(100);
            try { await Task.Delay(backoff, _stop.Token); } catch (OperationCanceledException) { return null; }
        }
        return null;
    }

    private string? RecoverParameter(int index)
    {
        if (_stream[index] is not { } stream || _epoch[index] is not { } epoch) return null;
        var json = JsonSerializer.SerializeToUtf8Bytes(new[] { new RecoverPositionDto(stream, epoch, _offset[index]) }, BenchJsonContext.Default.RecoverPositionDtoArray);
        return Base64Url.EncodeToString(json);
    }

    private async Task ReceiveUntilClosedAsync(int index, BenchSocket ws)
    {
        // One registration per connection rather than one per read: stopping ends the connection and its receive.
        using var stop = _stop.Token.UnsafeRegister(static s => ((BenchSocket)s!).Shutdown(), ws);
        try
        {
            await _receiver.ReceiveAsync(ws, frame => OnFrame(index, ws, frame));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // A protocol violation by the server (or epoll refusing the socket): worth seeing in the report, then
            // handled as a drop.
            AddError(e);
        }
    }

    private void OnFrame(int index, BenchSocket ws, ReadOnlySpan<byte> frame)
    {
        switch (_protocol.Handle(ws, frame))
        {
            case FrameKind.Message:
                OnMessage(index, frame);
                break;
            case FrameKind.Recovered:
                Interlocked.Increment(ref _recovered);
                break;
            case FrameKind.RecoverFailed:
                Interlocked.Increment(ref _recoverFailed);
                lock (_errors) if (_errors.Count < 5) _errors.Add(Encoding.UTF8.GetString(frame));
                break;
        }
    }

    private void OnMessage(int index, ReadOnlySpan<byte> frame)
    {
        if (!BenchPayload.TryRead(frame, out var sent, out var seq)) return;
        var now = BenchPayload.NowMicros();
        _latency.Record(now - sent);
        _timeline.Record(sent, now - sent);
        if (seq <= _lastSeq[index])
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        _received[index]++;
        _lastSeq[index] = seq;
        _lastAt[index] = now;
        if (_spec.Recover && StreamPosition.TryRead(frame, out var stream, out var epoch, out var offset))
        {
            if (_stream[index] != stream) _stream[index] = stream;
            if (_epoch[index] != epoch) _epoch[index] = epoch;
            _offset[index] = offset;
        }
    }

    /// <summary>
    /// The counters, and with <paramref name="latency"/> the latency histogram and timeline. Those are thousands of
    /// numbers to serialise: a wait that polls while messages still arrive ("status") leaves them out, so it does not
    /// take CPU from the very deliveries it measures.
    /// </summary>
    private object Report(bool latency)
    {
        long total = 0, min = long.MaxValue, max = 0, minSeq = long.MaxValue, lastAt = 0;
        for (var i = 0; i < _ids.Length; i++)
        {
            total += _received[i];
            min = Math.Min(min, _received[i]);
            max = Math.Max(max, _received[i]);
            minSeq = Math.Min(minSeq, _lastSeq[i]);
            lastAt = Math.Max(lastAt, _lastAt[i]);
        }
        return new
        {
            @event = "report", received = total, per_client_min = min, per_client_max = max, min_last_seq = minSeq,
            last_message_at_us = lastAt, duplicated = Interlocked.Read(ref _duplicates),
            connected = Interlocked.Read(ref _connectedNow), disconnects = Interlocked.Read(ref _disconnects),
            reconnects = Interlocked.Read(ref _reconnects), last_reconnect_at_us = Interlocked.Read(ref _lastReconnectAt),
            recovered = Interlocked.Read(ref _recovered), recover_failed = Interlocked.Read(ref _recoverFailed),
            cpu_s = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            hist = latency ? _latency.ToSparse() : [], timeline = latency ? _timeline.ToSparse() : [], errors = Errors(),
        };
    }

    /// <summary>Clears the counters of the last phase; sequence positions stay (sequences only grow within a run).</summary>
    private object Reset()
    {
        Array.Clear(_received);
        _latency.Clear();
        _timeline.Clear();
        Interlocked.Exchange(ref _duplicates, 0);
        Interlocked.Exchange(ref _disconnects, 0);
        Interlocked.Exchange(ref _reconnects, 0);
        Interlocked.Exchange(ref _recovered, 0);
        Interlocked.Exchange(ref _recoverFailed, 0);
        lock (_errors) _errors.Clear();
        return new { @event = "reset" };
    }

    private void AddError(Exception e)
    {
        lock (_errors) if (_errors.Count < 5) _errors.Add(e.GetType().Name + ": " + e.Message);
    }

    private string[] Errors()
    {
        lock (_errors) return [.. _errors];
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    private static readonly Lock ConsoleLock = new();

    private static void Emit(object o)
    {
        lock (ConsoleLock)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(o));
            Console.Out.Flush();
        }
    }
}
