using System.Runtime.InteropServices;

namespace RetroIm.Relay.Connections;

/// <summary>
/// The last position sent per stream, for <see cref="RecoveryGate"/> (guarded by its lock). The first stream — a
/// connection's own <c>c:{clientId}</c>, for most connections the only one — lives in fields; a dictionary is made only
/// when a second stream (a channel) appears, so an idle connection of a client in no channel holds none.
/// </summary>
/// <remarks>A mutable struct: keep it in a field and call it there, never through a copy.</remarks>
internal struct SentPositions
{
    private string? _firstStream;
    private string? _firstEpoch;
    private long _firstOffset;
    private Dictionary<string, (string Epoch, long Offset)>? _more;

    public readonly bool TryGetValue(string stream, out (string Epoch, long Offset) position)
    {
        if (_firstStream is not null && string.Equals(_firstStream, stream, StringComparison.Ordinal))
        {
            position = (_firstEpoch!, _firstOffset);
            return true;
        }
        if (_more is not null) return _more.TryGetValue(stream, out position);
        position = default;
        return false;
    }

    /// <remarks>
    /// Keeps the strings it holds when the new ones are equal: every packet brings freshly parsed stream and epoch
    /// strings, and storing them would tie a young object to this long-lived one for every message sent, which the
    /// garbage collector pays for (old-to-young references are scanned and their targets promoted). With 10,000 direct
    /// clients that was 24 collections and 287 ms of GC pause in 200,000 messages.
    /// </remarks>
    public void Set(string stream, string epoch, long offset)
    {
        if (_firstStream is null || string.Equals(_firstStream, stream, StringComparison.Ordinal))
        {
            _firstStream ??= stream;
            if (!string.Equals(_firstEpoch, epoch, StringComparison.Ordinal)) _firstEpoch = epoch;
            _firstOffset = offset;
            return;
        }
        // The key stays the instance first added; the value's epoch likewise.
        ref var position = ref CollectionsMarshal.GetValueRefOrAddDefault(_more ??= new Dictionary<string, (string, long)>(StringComparer.Ordinal), stream, out _);
        if (!string.Equals(position.Epoch, epoch, StringComparison.Ordinal)) position.Epoch = epoch;
        position.Offset = offset;
    }

    /// <summary>Every stream's position, the first stream first, then the others in the order they appeared.</summary>
    public readonly List<RecoverPosition> ToList()
    {
        var all = new List<RecoverPosition>(1 + (_more?.Count ?? 0));
        if (_firstStream is null) return all;
        all.Add(new RecoverPosition(_firstStream, _firstEpoch!, _firstOffset));
        if (_more is not null)
        {
            foreach (var (stream, (epoch, offset)) in _more) all.Add(new RecoverPosition(stream, epoch, offset));
        }
        return all;
    }
}
