using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using RetroIm.Im;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Chaos;

/// <summary>
/// One chaos client: connects through ImHelper, reconnects with jittered backoff after any loss, presents its last
/// stream positions (<c>recover=</c>) on every reconnect, and records every message it gets, in order.
/// </summary>
internal sealed class ChaosClient : IAsyncDisposable
{
    private readonly ImClient _im;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, (string Epoch, long Offset)> _positions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TestWebSocketClient? _socket;
    private Task _run = Task.CompletedTask;

    public ChaosClient(ImClient im, string id)
    {
        _im = im;
        Id = id;
    }

    public string Id { get; }

    /// <summary>Message keys (<c>d:7</c> direct, <c>c:chan:7</c> channel) in arrival order.</summary>
    public List<string> Received { get; } = [];

    public int Recovered { get; private set; }

    /// <summary>Streams the node said it could not recover (retention exceeded or epoch changed).</summary>
    public HashSet<string> RecoverFailedStreams { get; } = new(StringComparer.Ordinal);

    public int RecoverFailed { get; private set; }

    /// <summary>True while a welcomed socket is open.</summary>
    public bool Open { get; private set; }

    public DateTime LastReceiveUtc { get; private set; } = DateTime.UtcNow;

    public void Start() => _run = RunAsync(_stop.Token);

    /// <summary>Drops the TCP connection without a close handshake (a phone losing its network).</summary>
    public void Drop() => _socket?.Abort();

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
                await socket.ExpectWelcomeAsync(TimeSpan.FromSeconds(10));
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

    private void Handle(WsFrame frame)
    {
        LastReceiveUtc = DateTime.UtcNow;
        switch (frame.Type)
        {
            case "message":
                var data = frame.MessageData;
                var key = data.GetProperty("k").GetString() + ":" + data.GetProperty("s").GetInt64();
                lock (_gate)
                {
                    Received.Add(key);
                    if (frame.Json.TryGetProperty("pos", out var pos))
                    {
                        _positions[pos.GetProperty("stream").GetString()!] = (pos.GetProperty("epoch").GetString()!, pos.GetProperty("offset").GetInt64());
                    }
                }
                break;
            case "recovered":
                Recovered++;
                break;
            case "recover_failed":
                RecoverFailed++;
                if (frame.Json.TryGetProperty("stream", out var stream) && stream.GetString() is { } name) RecoverFailedStreams.Add(name);
                break;
            case "reconnect":
                Drop(); // the SDKs move at afterMs; the chaos client moves at once
                break;
        }
    }

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
        await _stop.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
