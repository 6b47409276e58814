using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // When the sweep's unanswered PING went out (Environment.TickCount64), 0 when none is outstanding. Only the
    // node's one sweep reads and writes it.
    private long _pingSentAt;

    // How early, in 1/1024ths of a quarter interval, this socket's keep-alive falls due: fixed per socket, so sockets
    // that connected together (a node's restart, a reconnect wave) are pinged over a quarter of the interval, round
    // after round, instead of all in one sweep, and their PONGs do not come back as one burst either.
    private readonly int _keepAliveSpread = Random.Shared.Next(1024);

    /// <summary>The silence after which this socket gets its PING (or SSE heartbeat): ¾ to all of <paramref name="intervalMs"/>.</summary>
    internal long KeepAliveDue(long intervalMs) => intervalMs - (intervalMs / 4 * _keepAliveSpread / 1024);

    /// <summary>
    /// One step of the node's keep-alive sweep (<c>RelayNodeService</c>), for a socket upgraded by the relay itself:
    /// a PING only after <see cref="KeepAliveDue"/> (¾ to all of <paramref name="intervalMs"/>) of silence from the peer
    /// (anything it sends counts, PONGs too) and, when the kernel watches the node's writes
    /// (<see cref="Transport.FrameOutput.WatchWrites"/>), as long without a frame written to it; an abort when a PING
    /// stays unanswered for <paramref name="timeoutMs"/> (0: never). A socket the node keeps writing to needs no PING:
    /// the writes keep middleboxes open, and a peer that vanished leaves them unacknowledged, so the kernel aborts it.
    /// Sockets accepted in the HTTP pipeline keep the WebSocket's own keep-alive timer instead; an SSE stream gets its
    /// heartbeat comment here.
    /// </summary>
    /// <returns>True when the connection was aborted as half-open.</returns>
    public bool KeepAlive(long now, long intervalMs, long timeoutMs)
    {
        var due = KeepAliveDue(intervalMs);
        if (_socket is Sse.SseSocket sse)
        {
            sse.HeartbeatIfQuiet(now, due);
            return false;
        }
        if (_direct is not { } output || CloseStatus != 0) return false;
        var lastInbound = output.LastInbound;
        // Every round, so each write is seen: a socket written to within `due` needs no PING (its writes are watched).
        var lastWritten = output.LastWritten(now);
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
            else if (now - pingSentAt < due)
            {
                return false;
            }
        }
        if (now - lastInbound >= due && now - lastWritten >= due && output.TryPing()) _pingSentAt = Math.Max(now, 1);
        return false;
    }
}
