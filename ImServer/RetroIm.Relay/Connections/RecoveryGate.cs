namespace RetroIm.Relay.Connections;

/// <summary>
/// Orders a recovering connection's positioned frames: while the replay runs, live frames are held; afterwards they
/// are released behind the replay, and for good any frame at or below the highest offset already sent for its stream
/// is dropped (the replay read and the live publish travel on different Redis connections, so a live frame may
/// arrive after the replay that already contained it).
/// </summary>
/// <remarks>Only connections that asked to recover have one, so other connections pay nothing.</remarks>
internal sealed class RecoveryGate(int holdLimit)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);
    private List<(OutFrame Frame, string Stream, long Offset)>? _held = [];

    public enum Verdict
    {
        /// <summary>Queue it now.</summary>
        Send,

        /// <summary>Kept until the replay finished.</summary>
        Held,

        /// <summary>Already sent: drop it.</summary>
        Duplicate,

        /// <summary>Too much arrived during the replay: the connection must be closed as a slow consumer.</summary>
        Overflow,
    }

    /// <summary>Decides what happens to a live frame.</summary>
    public Verdict Admit(in OutFrame frame, string stream, long offset)
    {
        lock (_lock)
        {
            if (_held is { } held)
            {
                if (held.Count >= holdLimit) return Verdict.Overflow;
                held.Add((frame, stream, offset));
                return Verdict.Held;
            }
            return Record(stream, offset) ? Verdict.Send : Verdict.Duplicate;
        }
    }

    /// <summary>Notes a replayed offset (the replay runs before anything held is released).</summary>
    public void Replayed(string stream, long offset)
    {
        lock (_lock) Record(stream, offset);
    }

    /// <summary>
    /// Takes what was held so far, deduplicated; returns an empty list once nothing is left, and from then on
    /// <see cref="Admit"/> lets frames through (so they queue behind everything released before).
    /// </summary>
    public List<OutFrame> Release(List<OutFrame> duplicates)
    {
        lock (_lock)
        {
            var held = _held;
            if (held is null || held.Count == 0)
            {
                _held = null;
                return [];
            }
            var release = new List<OutFrame>(held.Count);
            foreach (var (frame, stream, offset) in held)
            {
                if (Record(stream, offset)) release.Add(frame);
                else duplicates.Add(frame);
            }
            // Nothing to write means nothing can queue behind: stop holding now. Otherwise hold what arrives while
            // these are written, and release it in the next round.
            _held = release.Count == 0 ? null : [];
            return release;
        }
    }

    private bool Record(string stream, long offset)
    {
        if (_sent.TryGetValue(stream, out var last) && offset <= last) return false;
        _sent[stream] = offset;
        return true;
    }
}
