using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Offset → receipt of the receipted direct messages sent on one connection, so an <c>ack</c> can reach the sender.
/// Allocated on the first receipted message only; bounded (an old message nobody acknowledged is forgotten).
/// </summary>
internal sealed class AckableMessages(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, (ReceiptTracker Receipt, int Slot)> _byOffset = [];
    private readonly Queue<long> _order = new();

    public void Add(long offset, ReceiptTracker receipt, int slot)
    {
        lock (_lock)
        {
            if (!_byOffset.TryAdd(offset, (receipt, slot))) return;
            _order.Enqueue(offset);
            while (_order.Count > capacity) _byOffset.Remove(_order.Dequeue());
        }
    }

    public bool TryTake(long offset, out ReceiptTracker receipt, out int slot)
    {
        lock (_lock)
        {
            if (_byOffset.Remove(offset, out var entry))
            {
                (receipt, slot) = entry;
                return true;
            }
        }
        receipt = null!;
        slot = 0;
        return false;
    }
}
