using System.Net.WebSockets;

namespace RetroIm.Client;

/// <summary>
/// A connection to a RetroIm relay node that stays up: it connects with a URL your backend issues
/// (<c>ImHelper.PrevConnectServerAsync</c>), waits for the welcome, pings, and after a drop reconnects with
/// exponential backoff and jitter, asking <c>connectUrlProvider</c> for a fresh URL each time (tokens are single-use).
/// It does not reconnect after being kicked (close code 4001) or after <see cref="CloseAsync"/>.
/// </summary>
/// <example>
/// <code>
/// await using var im = new ImConnection(async ct => new Uri(await http.GetStringAsync("/api/im/connect-url", ct)));
/// im.On("message", e => Console.WriteLine($"{e.From}: {e.Data}"));
/// await im.StartAsync();
/// </code>
/// </example>
/// <remarks>
/// Relay pub/sub is at-most-once: messages sent while the connection was down are not replayed. Use the
/// <c>welcome</c> frame that follows every reconnect (<see cref="On"/>("welcome", …)) to re-sync from your backend.
/// </remarks>
public sealed partial class ImConnection : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<Uri>> _connectUrlProvider;
    private readonly ImConnectionOptions _options;
    private readonly CancellationTokenSource _lifetime = new(); // never disposed: callbacks may race CloseAsync
    private readonly Lock _gate = new();
    private ImConnectionState _state = ImConnectionState.Closed;
    private ClientWebSocket? _socket;
    private Task? _run;
    private int _started;
    private int _closeRequested;

    /// <summary>Creates a connection; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="connectUrlProvider">Returns a fresh connect URL (<c>ws://node/ws?token=…</c>) from your backend; called for every attempt.</param>
    /// <param name="options">Settings; defaults when null.</param>
    public ImConnection(Func<CancellationToken, Task<Uri>> connectUrlProvider, ImConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connectUrlProvider);
        _connectUrlProvider = connectUrlProvider;
        _options = options ?? new ImConnectionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.PingInterval, TimeSpan.Zero, "options.PingInterval");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.ConnectTimeout, TimeSpan.Zero, "options.ConnectTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFrameBytes, 1024, "options.MaxFrameBytes");
    }

    /// <summary>The current state.</summary>
    public ImConnectionState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>Raised on every state change, on the connection's own task; keep handlers short.</summary>
    public event Action<ImConnectionState>? StateChanged;

    /// <summary>
    /// Raised for problems that do not stop the connection: a failed reconnect attempt, a handler that threw, a
    /// malformed frame from the relay.
    /// </summary>
    public event Action<Exception>? Error;

    /// <summary>The welcome of the current (or last) connection; null before the first.</summary>
    public ImWelcome? Welcome { get; private set; }

    /// <summary>The close code the relay sent last (e.g. 1012 node restarting, 4001 kicked), or null.</summary>
    public int? LastCloseStatus { get; private set; }

    /// <summary>The reason that came with <see cref="LastCloseStatus"/>.</summary>
    public string? LastCloseDescription { get; private set; }

    /// <summary>
    /// Connects and completes once the relay's welcome arrived (<see cref="Welcome"/> is set, state
    /// <see cref="ImConnectionState.Open"/>); from then on the connection keeps itself up. If this first attempt fails
    /// the exception is thrown and the state is <see cref="ImConnectionState.Closed"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started (a connection starts once; create a new one to start over).</exception>
    /// <exception cref="WebSocketException">The relay refused the connection (for example 401: the token was used or expired).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) throw new InvalidOperationException("This ImConnection was already started; create a new one to start over.");
        SetState(ImConnectionState.Connecting);
        ClientWebSocket socket;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            socket = await ConnectOnceAsync(linked.Token).ConfigureAwait(false);
        }
        catch
        {
            SetState(ImConnectionState.Closed);
            CompleteReaders();
            throw;
        }
        _run = RunAsync(socket);
    }

    /// <summary>
    /// Closes the connection (close code 1000) and stops reconnecting; completes when it is closed. Every
    /// <see cref="ReadAllAsync"/> enumeration then ends.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            ClientWebSocket? socket;
            lock (_gate) socket = _state == ImConnectionState.Open ? _socket : null;
            if (socket is null) await _lifetime.CancelAsync().ConfigureAwait(false);
            else await SendCloseAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        var run = _run;
        if (run is null)
        {
            SetState(ImConnectionState.Closed);
            CompleteReaders();
            return;
        }
        try
        {
            await run.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The relay did not answer the close: drop the socket.
            await _lifetime.CancelAsync().ConfigureAwait(false);
            await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Same as <see cref="CloseAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private async Task SendCloseAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CloseTimeout);
        try
        {
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closed", timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone or stuck: the caller's wait for the receive loop (bounded) handles the rest.
            await _lifetime.CancelAsync().ConfigureAwait(false);
        }
    }

    private void SetState(ImConnectionState state)
    {
        lock (_gate)
        {
            if (_state == state) return;
            _state = state;
        }
        var handler = StateChanged;
        if (handler is null) return;
        try
        {
            handler(state);
        }
        catch (Exception e)
        {
            RaiseError(e);
        }
    }

    private void RaiseError(Exception exception)
    {
        try
        {
            Error?.Invoke(exception);
        }
        catch
        {
            // An Error handler that throws has nowhere left to report to.
        }
    }
}
