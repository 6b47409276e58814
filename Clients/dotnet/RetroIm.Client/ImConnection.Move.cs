using System.Net.WebSockets;
using System.Text.Json;

namespace RetroIm.Client;

public sealed partial class ImConnection
{
    /// <summary>The longest <c>afterMs</c> honoured; a larger value is treated as this.</summary>
    private const long MaxMoveDelayMs = 300_000;

    private int _moveRequested;
    private Task? _move;                    // the move under way; RunAsync awaits it when the old socket ends
    private ClientWebSocket? _handover;     // the new socket, opened before the old one was closed
    private ImEnvelope? _handoverWelcome;   // its welcome, dispatched by the receive loop (handlers run one at a time)

    /// <summary>
    /// A draining node sent <c>{"type":"reconnect","afterMs":n}</c>. After n ms, make before break: open a connection
    /// with a fresh URL (which routes to another node, presenting the positions seen so far), and only then close this
    /// socket (1000). The client is never without a connection, so presence sees no offline and the business no
    /// flicker; a message that arrives on both sockets during the overlap is dispatched once (by its position). The
    /// node spreads n over its drain window, so its clients do not all arrive elsewhere together; it closes with 1012
    /// itself shortly after n if we do not. If the new connection cannot be opened, this socket is closed anyway and
    /// the connection reconnects as after any drop.
    /// </summary>
    private async Task MoveLaterAsync(ClientWebSocket socket, ImEnvelope envelope, CancellationToken cancellationToken)
    {
        var afterMs = envelope.Frame.TryGetProperty("afterMs", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms)
            ? Math.Clamp(ms, 0, MaxMoveDelayMs)
            : 0;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(afterMs), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the socket ended first; the receive loop already decides what happens next
        }
        Volatile.Write(ref _moveRequested, 1);
        try
        {
            Volatile.Write(ref _handover, await ConnectOnceAsync(_lifetime.Token, handover: true).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            if (_lifetime.IsCancellationRequested) return;
            RaiseError(e);
        }
        try
        {
            await _sendLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
            try
            {
                if (socket.State == WebSocketState.Open) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting on request", _lifetime.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The socket ended first; the receive loop already decides what happens next.
        }
    }

    /// <summary>
    /// Called by the run loop once the old socket has ended: the socket a finished move opened (its welcome
    /// dispatched now, in order after the old socket's last frames), or null when there is none.
    /// </summary>
    private async Task<ClientWebSocket?> TakeHandoverAsync()
    {
        if (Interlocked.Exchange(ref _move, null) is { } move) await move.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var next = Interlocked.Exchange(ref _handover, null);
        if (next is null) return null;
        Volatile.Write(ref _moveRequested, 0);
        if (Volatile.Read(ref _closeRequested) == 1 && next.State == WebSocketState.Open) await SendCloseAsync(next, CancellationToken.None).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _handoverWelcome, null) is { } welcome)
        {
            Track(welcome);
            Dispatch(welcome);
        }
        return next;
    }
}
