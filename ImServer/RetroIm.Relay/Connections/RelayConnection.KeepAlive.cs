using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // When the sweep's unanswered PING went out (Environment.TickCount64), 0 when none is outstanding. Only the
    // node's one sweep reads and writes it.
    private long _pingSentAt;

    /// <summary>
    /// One step of the node's keep-alive sweep (<c>RelayNodeService</c>), for a socket upgraded by the relay itself:
    /// a PING only after <paramref name="intervalMs"/> of silence from the peer (anything it sends counts, PONGs too),
    /// and an abort when a PING stays unanswered for <paramref name="timeoutMs"/> (0: never). Sockets accepted in the
    /// HTTP pipeline keep the WebSocket's own keep-alive timer instead; an SSE stream gets its heartbeat comment here.
    /// </summary>
    /// <returns>True when the connection was aborted as half-open.</returns>
    public bool KeepAlive(long now, long intervalMs, long timeoutMs)
    {
        if (_socket is Sse.SseSocket sse)
        {
            sse.HeartbeatIfQuiet(now, intervalMs);
            return false;
        }
        if (_direct is not { } output || CloseStatus != 0) return false;
        var lastInbound = output.LastInbound;
        var pingSentAt = _pingSentAt;
        if (pingSentAt != 0)
        {
            if (lastInbound >= pingSentAt)
            {
                _pingSentAt = 0;
            }
            else if (timeoutMs > 0)
            {
                if (now - pingSentAt < timeoutMs) return false;
                RelayLog.KeepAliveTimedOut(_logger, ConnectionId, ClientId);
                Abort();
                return true;
            }
            else if (now - pingSentAt < intervalMs)
            {
                return false;
            }
        }
        if (now - lastInbound >= intervalMs && output.TryPing()) _pingSentAt = Math.Max(now, 1);
        return false;
    }
}
