using RetroIm.Im.Protocol;

namespace RetroIm.Relay.Routing;

/// <summary>
/// Counts the socket writes of one receipted direct message on this node and reports, once every write finished or
/// failed, which addressed clients got it on at least one connection: the receipt says what was written, not what
/// was queued.
/// </summary>
internal sealed class ReceiptTracker
{
    private readonly string _id;
    private readonly string _node;
    private readonly IReadOnlyList<string> _clientIds;
    private readonly bool[] _written;
    private readonly int[] _acked;
    private readonly Action<ReceiptReport> _publish;
    // Starts at one so the report cannot go out while writes are still being queued; Seal releases it.
    private int _pending = 1;

    public ReceiptTracker(string id, string node, IReadOnlyList<string> clientIds, Action<ReceiptReport> publish)
    {
        _id = id;
        _node = node;
        _clientIds = clientIds;
        _written = new bool[clientIds.Count];
        _acked = new int[clientIds.Count];
        _publish = publish;
    }

    /// <summary>Call before queueing a write for the client at <paramref name="slot"/>.</summary>
    public void Expect() => Interlocked.Increment(ref _pending);

    public void Complete(int slot, bool written)
    {
        if (written) Volatile.Write(ref _written[slot], true);
        if (Interlocked.Decrement(ref _pending) == 0) Report();
    }

    /// <summary>
    /// The client at <paramref name="slot"/> acknowledged the message: reported at once, in a report of its own, once
    /// per client however many of its connections acknowledge.
    /// </summary>
    public void Acked(int slot)
    {
        if (Interlocked.Exchange(ref _acked[slot], 1) == 1) return;
        _publish(new ReceiptReport(_id, _node, [], [_clientIds[slot]]));
    }

    /// <summary>Call after every write was queued.</summary>
    public void Seal()
    {
        if (Interlocked.Decrement(ref _pending) == 0) Report();
    }

    private void Report()
    {
        var written = new List<string>(_clientIds.Count);
        for (var i = 0; i < _written.Length; i++)
        {
            if (Volatile.Read(ref _written[i])) written.Add(_clientIds[i]);
        }
        _publish(new ReceiptReport(_id, _node, written));
    }
}
