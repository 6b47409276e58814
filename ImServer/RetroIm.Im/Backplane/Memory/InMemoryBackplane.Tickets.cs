namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    private readonly Dictionary<string, (ConnectTicket Ticket, long ExpiresAtMs)> _tickets = NewMap<(ConnectTicket, long)>();
    private int _ticketSweepAt = 64;

    public Task StoreTicketAsync(string token, ConnectTicket ticket, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(ticket);
        var ttlMs = TtlMs(ttl);
        ThrowIfDisposed();
        lock (_gate)
        {
            var now = NowMs();
            // Unredeemed tickets would pile up forever; sweep when the table doubles, so the cost stays amortised O(1).
            if (_tickets.Count >= _ticketSweepAt)
            {
                foreach (var (key, entry) in _tickets)
                {
                    if (entry.ExpiresAtMs <= now) _tickets.Remove(key);
                }
                _ticketSweepAt = Math.Max(64, _tickets.Count * 2);
            }
            _tickets[token] = (ticket, now + ttlMs);
        }
        return Task.CompletedTask;
    }

    public Task<TicketRedeemResult> RedeemTicketAsync(string token, string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(nodeId);
        ThrowIfDisposed();
        lock (_gate)
        {
            if (!_tickets.TryGetValue(token, out var entry)) return Task.FromResult(Unknown);
            if (entry.ExpiresAtMs <= NowMs())
            {
                _tickets.Remove(token);
                return Task.FromResult(Unknown);
            }
            if (!string.Equals(entry.Ticket.NodeId, nodeId, StringComparison.Ordinal))
            {
                return Task.FromResult(new TicketRedeemResult(TicketStatus.WrongNode, OwnerNodeId: entry.Ticket.NodeId));
            }
            _tickets.Remove(token);
            return Task.FromResult(new TicketRedeemResult(TicketStatus.Ok, entry.Ticket));
        }
    }

    private static readonly TicketRedeemResult Unknown = new(TicketStatus.Unknown);
}
