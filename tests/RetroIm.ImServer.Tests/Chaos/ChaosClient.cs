using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Chaos;

/// <summary>
/// One chaos client, a lightweight in-process WebSocket client that behaves like the SDKs: connects through ImHelper,
/// reconnects with jittered backoff after any loss, adopts the welcome's stream positions it does not track yet, follows
/// message / <c>recovered</c> / <c>recover_failed</c> positions, presents them (<c>recover=</c>) on every reconnect, and
/// records every message it gets, in order. Unlike the SDKs it never drops a message it already has, so the test sees
/// every duplicate the cluster sends.
/// </summary>
internal sealed class ChaosClient : IAsyncDisposable
{
    private readonly ImClient _im;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, (string Epoch, long Offset)> _positions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _has = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TestWebSocketClient? _socket;
    private Task _run = Task.CompletedTask;
    private int _disposed;

    public ChaosClient(ImClient im, string id)
    {
        _im = im;
        Id = id;
    }

    public string Id { get; }

    /// <summary>Message keys (<c>d:7</c> direct, <c>c:7</c> channel) in arrival order; read once the client stopped.</summary>
    public List<string> Received { get; } = [];

    public int Recovered { get; private set; }

    /// <summary>Streams the node said it could not recover (retention exceeded or epoch changed).</summary>
    public HashSet<string> RecoverFailedStreams { get; } = new(StringComparer.Ordinal);

    public int RecoverFailed { get; private set; }

    /// <summary>True while a welcomed socket is open.</summary>
    public bool Open { get; private set; }

    /// <summary>The node of the current (or last) connection.</summary>
    public string? Node { get; private set; }

    /// <summary>When the current connection was welcomed (UTC ticks).</summary>
    public long WelcomedAtTicks { get; private set; }

    public void Start() => _run = RunAsync(_stop.Token);

    /// <summary>Drops the TCP connection without a close handshake (a phone losing its network).</summary>
    public void Drop() => _socket?.Abort();

    /// <summary>Whether the message was received (thread-safe, for the catch-up monitor).</summary>
    public bool Has(string key)
    {
        lock (_gate) return _has.Contains(key);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var url = await _im.PrevConnectServerAsync(Id, cancellationToken: stop);
                var recover = RecoverParameter();
                if (recover is not null) url += "&recover=" + recover;
                await using var socket = await TestWebSocketClient.ConnectAsync(url, cancellationToken: stop);
                _socket = socket;
                var welcome = await socket.ExpectWelcomeAsync(TimeSpan.FromSeconds(10));
                Adopt(welcome);
                Node = welcome.Str("node");
                WelcomedAtTicks = DateTime.UtcNow.Ticks;
                Open = true;
                attempt = 0;
                while (!stop.IsCancellationRequested)
                {
                    WsFrame frame;
                    try
                    {
                        frame = await socket.ReceiveAsync(TimeSpan.FromSeconds(1));
                    }
                    catch (TimeoutException)
                    {
                        continue;
                    }
                    Handle(frame);
                }
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // Lost or refused: reconnect below.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                Open = false;
                _socket = null;
            }
            var ceiling = Math.Min(2000, 100 * (1 << Math.Min(attempt++, 5)));
            try
            {
                await Task.Delay(ceiling / 2 + Random.Shared.Next(ceiling / 2 + 1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Takes the positions of streams this client has not received anything on yet.</summary>
    private void Adopt(WsFrame welcome)
    {
        if (!welcome.Json.TryGetProperty("streams", out var streams)) return;
        lock (_gate)
        {
            foreach (var s in streams.EnumerateArray())
            {
                _positions.TryAdd(s.GetProperty("stream").GetString()!, (s.GetProperty("epoch").GetString()!, s.GetProperty("offset").GetInt64()));
            }
        }
    }

    private void Handle(WsFrame frame)
    {
        switch (frame.Type)
        {
            case "message":
                var data = frame.MessageData;
                var key = data.GetProperty("k").GetString() + ":" + data.GetProperty("s").GetInt64();
                lock (_gate)
                {
                    Received.Add(key);
                    _has.Add(key);
                    if (frame.Json.TryGetProperty("pos", out var pos)) Track(pos);
                }
                break;
            case "recovered":
                lock (_gate)
                {
                    foreach (var s in frame.Json.GetProperty("streams").EnumerateArray()) Track(s);
                }
                Recovered++;
                break;
            case "recover_failed":
                RecoverFailed++;
                if (frame.Json.TryGetProperty("stream", out var stream) && stream.GetString() is { } name)
                {
                    RecoverFailedStreams.Add(name);
                    // Refetch state (nothing to refetch here) and follow the stream from where it is now.
                    lock (_gate)
                    {
                        if (frame.Json.GetProperty("epoch").ValueKind == JsonValueKind.String) Track(frame.Json);
                        else _positions.Remove(name);
                    }
                }
                break;
            case "reconnect":
                Drop(); // the SDKs move at afterMs; the chaos client moves at once
                break;
        }
    }

    private void Track(JsonElement position) =>
        _positions[position.GetProperty("stream").GetString()!] = (position.GetProperty("epoch").GetString()!, position.GetProperty("offset").GetInt64());

    private string? RecoverParameter()
    {
        lock (_gate)
        {
            if (_positions.Count == 0) return null;
            var list = _positions.Select(p => new { stream = p.Key, epoch = p.Value.Epoch, offset = p.Value.Offset }).ToArray();
            return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(list)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
