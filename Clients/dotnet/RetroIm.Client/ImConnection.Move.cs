using System.Net.WebSockets;
using System.Text.Json;

namespace RetroIm.Client;

public sealed partial class ImConnection
{
    /// <summary>The longest <c>afterMs</c> honoured; a larger value is treated as this.</summary>
    private const long MaxMoveDelayMs = 300_000;

    private int _moveRequested;

    /// <summary>
    /// A draining node sent <c>{"type":"reconnect","afterMs":n}</c>: after n ms close this socket (1000) and reconnect
    /// at once with a fresh URL, which routes to another node. The node spreads n over its drain window, so its
    /// clients do not all arrive elsewhere together; it closes with 1012 itself shortly after n if we do not.
    /// </summary>
    private async Task MoveLaterAsync(ClientWebSocket socket, ImEnvelope envelope, CancellationToken cancellationToken)
    {
        var afterMs = envelope.Frame.TryGetProperty("afterMs", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms)
            ? Math.Clamp(ms, 0, MaxMoveDelayMs)
            : 0;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(afterMs), cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _moveRequested, 1);
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting on request", cancellationToken).ConfigureAwait(false);
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
}
