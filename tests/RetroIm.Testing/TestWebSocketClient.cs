using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace RetroIm.Testing;

/// <summary>
/// A real <see cref="ClientWebSocket"/> with a background receive loop that queues every complete message, so a test
/// awaits frames (<see cref="ReceiveAsync"/>, <see cref="ExpectAsync"/>) and the close (<see cref="Closed"/>) with a bound.
/// </summary>
public sealed class TestWebSocketClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<WsFrame> _frames = Channel.CreateUnbounded<WsFrame>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource<WsCloseInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly HttpMessageInvoker? _ownedInvoker;
    private readonly CancellationTokenSource _stop = new();
    private int _receiving;
    private int _received;
    private Task _receiveLoop = Task.CompletedTask;

    private TestWebSocketClient(ClientWebSocket socket, string url, HttpMessageInvoker? ownedInvoker)
    {
        Socket = socket;
        Url = url;
        _ownedInvoker = ownedInvoker;
    }

    public ClientWebSocket Socket { get; }

    public string Url { get; }

    /// <summary>Set by <see cref="ExpectWelcomeAsync"/>.</summary>
    public WsFrame? Welcome { get; private set; }

    /// <summary>How many messages the receive loop has read so far.</summary>
    public int ReceivedCount => Volatile.Read(ref _received);

    /// <summary>Completes when the connection ends: the server's close frame, or the error that dropped it.</summary>
    public Task<WsCloseInfo> Closed => _closed.Task;

    /// <summary>
    /// Opens the socket; throws <see cref="TestWebSocketConnectException"/> with the HTTP status when the upgrade is
    /// refused.
    /// </summary>
    public static async Task<TestWebSocketClient> ConnectAsync(string url, TestWebSocketOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TestWebSocketOptions();
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        HttpMessageInvoker? owned = null;
        var invoker = options.Invoker;
        if (invoker is null && options.ReceiveBufferSize is { } rcvbuf)
        {
            owned = invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        // Set before connecting so the advertised window is small from the first segment.
                        s.ReceiveBufferSize = rcvbuf;
                        await s.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
                        return new NetworkStream(s, ownsSocket: true);
                    }
                    catch
                    {
                        s.Dispose();
                        throw;
                    }
                },
            });
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            if (invoker is null) await socket.ConnectAsync(new Uri(url), timeout.Token).ConfigureAwait(false);
            else await socket.ConnectAsync(new Uri(url), invoker, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            owned?.Dispose();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            throw new TestWebSocketConnectException(url, status, e);
        }

        var client = new TestWebSocketClient(socket, url, owned);
        if (options.StartReceiving) client.StartReceiving();
        return client;
    }

    /// <summary>Starts the receive loop (once); for clients created with <see cref="TestWebSocketOptions.StartReceiving"/> false.</summary>
    public void StartReceiving()
    {
        if (Interlocked.Exchange(ref _receiving, 1) == 0) _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), _stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(new WsCloseInfo((int?)Socket.CloseStatus, Socket.CloseStatusDescription, null));
                    await AcknowledgeCloseAsync().ConfigureAwait(false);
                    return;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage) continue;
                Interlocked.Increment(ref _received);
                _frames.Writer.TryWrite(new WsFrame(result.MessageType, message.WrittenSpan.ToArray()));
                message.ResetWrittenCount();
            }
        }
        catch (Exception e)
        {
            _closed.TrySetResult(new WsCloseInfo(null, null, e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _frames.Writer.TryComplete();
        }
    }

    private async Task AcknowledgeCloseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (Socket.State == WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server may already have dropped the TCP connection after its close frame.
        }
    }

    /// <summary>The next frame; throws <see cref="TimeoutException"/>, or <see cref="WebSocketClosedException"/> when the connection ended first.</summary>
    public async Task<WsFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false) && _frames.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No frame within {limit.TotalSeconds:0.#} s on {this}.");
        }
        if (_frames.Reader.TryRead(out var last)) return last;
        throw new WebSocketClosedException(await _closed.Task.ConfigureAwait(false));
    }

    /// <summary>A frame already queued, without waiting; null when none is.</summary>
    public WsFrame? TryReceive() => _frames.Reader.TryRead(out var frame) ? frame : null;

    /// <summary>The next frame, which must have <c>type</c> == <paramref name="type"/>.</summary>
    public async Task<WsFrame> ExpectAsync(string type, TimeSpan? timeout = null)
    {
        var frame = await ReceiveAsync(timeout).ConfigureAwait(false);
        if (frame.Type != type) throw new UnexpectedFrameException($"Expected a \"{type}\" frame on {this} but got: {frame}");
        return frame;
    }

    /// <summary>Reads until a frame matches; returns it with the frames skipped before it.</summary>
    public async Task<(WsFrame Match, IReadOnlyList<WsFrame> Skipped)> ReceiveUntilAsync(Func<WsFrame, bool> match, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        var skipped = new List<WsFrame>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No matching frame within {limit.TotalSeconds:0.#} s on {this}; skipped: {string.Join(" | ", skipped)}");
            WsFrame frame;
            try
            {
                frame = await ReceiveAsync(left).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"No matching frame within {limit.TotalSeconds:0.#} s on {this}; skipped: {string.Join(" | ", skipped)}");
            }
            if (match(frame)) return (frame, skipped);
            skipped.Add(frame);
        }
    }

    /// <summary>Reads the welcome frame (the first frame of every connection) and keeps it in <see cref="Welcome"/>.</summary>
    public async Task<WsFrame> ExpectWelcomeAsync(TimeSpan? timeout = null)
    {
        Welcome = await ExpectAsync("welcome", timeout).ConfigureAwait(false);
        return Welcome;
    }

    /// <summary>Waits for the connection to end; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<WsCloseInfo> WaitClosedAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await _closed.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{this} was not closed within {limit.TotalSeconds:0.#} s (state {Socket.State}).");
        }
    }

    public Task SendTextAsync(string text, CancellationToken cancellationToken = default)
        => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);

    public Task SendJsonAsync<T>(T value, CancellationToken cancellationToken = default)
        => SendAsync(JsonSerializer.SerializeToUtf8Bytes(value), WebSocketMessageType.Text, cancellationToken);

    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken = default)
        => SendAsync(data, WebSocketMessageType.Binary, cancellationToken);

    /// <summary>Sends one message (one frame); one send at a time, as WebSocket requires.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            await Socket.SendAsync(data, type, endOfMessage: true, timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes with the handshake (bounded); the server sees a normal close.</summary>
    public async Task CloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).ConfigureAwait(false);
            }
            if (Volatile.Read(ref _receiving) == 1)
            {
                await _closed.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            Abort();
        }
    }

    /// <summary>Drops the TCP connection without a close handshake (a vanished client).</summary>
    public void Abort() => Socket.Abort();

    public override string ToString()
    {
        var who = Welcome?.Str("clientId") is { } id ? $"client {id}" : "client";
        return $"{who} ({Socket.State})";
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop ends on its own once the aborted socket throws; do not hold the test up.
        }
        Socket.Dispose();
        _ownedInvoker?.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
