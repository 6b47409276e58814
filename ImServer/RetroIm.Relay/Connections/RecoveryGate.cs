namespace RetroIm.Relay.Connections;

/// <summary>
/// Orders a connection's positioned frames per stream. It remembers the last position sent of every stream the
/// connection receives; a live frame at or below it is dropped (a replay already sent it), and a live frame that skips
/// offsets reveals messages the backplane lost on the way (Redis restarted, the subscription dropped): it and what
/// follows are held while the missing range is read back from the stream (a catch-up). While a replay or catch-up
/// runs, live frames are held and released behind it.
/// </summary>
/// <remarks>
/// Every connection starts holding (before it is indexed) until its welcome positions are known, so no live frame
/// overtakes the welcome or a replay. Positions are per epoch: a frame of another epoch (Redis lost the stream) is sent.
/// </remarks>
internal sealed class RecoveryGate(int holdLimit)
{
    private readonly Lock _lock = new();
    private SentPositions _sent;
    private List<(OutFrame Frame, string Stream, string Epoch, long Offset)>? _held = [];
    // Streams to read back in the next catch-up; made on the first gap (most connections never have one).
    private HashSet<string>? _pending;
    private bool _pendingAll;

    public enum Verdict
    {
        /// <summary>Queue it now.</summary>
        Send,

        /// <summary>Kept until the replay or catch-up finished.</summary>
        Held,

        /// <summary>Already sent: drop it.</summary>
        Duplicate,

        /// <summary>Too much arrived during the replay: the connection must be closed as a slow consumer.</summary>
        Overflow,

        /// <summary>Offsets were skipped: the frame is held and the caller must start a catch-up.</summary>
        Gap,
    }

    /// <summary>Decides what happens to a live frame.</summary>
    public Verdict Admit(in OutFrame frame, string stream, string epoch, long offset)
    {
        lock (_lock)
        {
            if (_held is { } held)
            {
                if (held.Count >= holdLimit) return Verdict.Overflow;
                held.Add((frame, stream, epoch, offset));
                return Verdict.Held;
            }
            if (_sent.TryGetValue(stream, out var last) && string.Equals(last.Epoch, epoch, StringComparison.Ordinal))
            {
                if (offset <= last.Offset) return Verdict.Duplicate;
                if (offset > last.Offset + 1)
                {
                    _held = [(frame, stream, epoch, offset)];
                    (_pending ??= new HashSet<string>(StringComparer.Ordinal)).Add(stream);
                    return Verdict.Gap;
                }
            }
            _sent.Set(stream, epoch, offset);
            return Verdict.Send;
        }
    }

    /// <summary>
    /// Asks for a catch-up of every stream (the backplane lost messages). True when the caller must run it; false when
    /// a replay or catch-up is running already (it will read every stream again before releasing).
    /// </summary>
    public bool RequestCatchUpAll()
    {
        lock (_lock)
        {
            _pendingAll = true;
            if (_held is not null) return false;
            _held = [];
            return true;
        }
    }

    /// <summary>
    /// A position the welcome (for a stream the client did not present) or a join announced: live frames up to it are
    /// dropped, and a live frame beyond the next offset starts a catch-up. Only the first position of a stream (per
    /// epoch) counts: a later announcement (the join packet echoing back to the node that already announced a client's
    /// own join) must not skip messages sent in between. False when the stream was known already.
    /// </summary>
    public bool Announce(string stream, string epoch, long offset)
    {
        lock (_lock)
        {
            if (_sent.TryGetValue(stream, out var last) && string.Equals(last.Epoch, epoch, StringComparison.Ordinal)) return false;
            _sent.Set(stream, epoch, offset);
            return true;
        }
    }

    /// <summary>The stream and epoch strings the gate holds for a stream (tests).</summary>
    internal (string Stream, string Epoch)? HeldStrings(string stream)
    {
        lock (_lock)
        {
            foreach (var held in _sent.ToList())
            {
                if (held.Stream == stream) return (held.Stream, held.Epoch);
            }
            return null;
        }
    }

    /// <summary>Notes a replayed frame's position, or a stream's current position after recover_failed.</summary>
    public void Replayed(string stream, string epoch, long offset)
    {
        lock (_lock) Record(stream, epoch, offset);
    }

    /// <summary>Takes the positions to read back in the next catch-up round (none when nothing is pending).</summary>
    public List<RecoverPosition> TakePending()
    {
        lock (_lock)
        {
            var reads = _sent.ToList();
            if (!_pendingAll) reads.RemoveAll(position => _pending?.Contains(position.Stream) != true);
            _pending?.Clear();
            _pendingAll = false;
            return reads;
        }
    }

    /// <summary>
    /// Takes what was held so far, deduplicated, up to the first frame that skips offsets (that stream becomes pending,
    /// and it stays held). <paramref name="more"/> says another catch-up round must read first. Returns an empty list
    /// with <paramref name="more"/> false once nothing is left: from then on <see cref="Admit"/> lets frames through
    /// (so they queue behind everything released before).
    /// </summary>
    public List<OutFrame> Release(List<OutFrame> duplicates, out bool more)
    {
        lock (_lock)
        {
            more = _pendingAll || _pending is { Count: > 0 };
            var held = _held;
            if (more || held is null || held.Count == 0)
            {
                if (!more) _held = null;
                return [];
            }
            var release = new List<OutFrame>(held.Count);
            var kept = 0;
            for (; kept < held.Count; kept++)
            {
                var (frame, stream, epoch, offset) = held[kept];
                if (_sent.TryGetValue(stream, out var last) && string.Equals(last.Epoch, epoch, StringComparison.Ordinal) && offset > last.Offset + 1)
                {
                    (_pending ??= new HashSet<string>(StringComparer.Ordinal)).Add(stream);
                    more = true;
                    break;
                }
                if (Record(stream, epoch, offset)) release.Add(frame);
                else duplicates.Add(frame);
            }
            // Hold what arrives while these are written (and what follows a gap); release it in the next round.
            _held = kept == held.Count ? (release.Count == 0 ? null : []) : held.GetRange(kept, held.Count - kept);
            return release;
        }
    }

    private bool Record(string stream, string epoch, long offset)
    {
        if (_sent.TryGetValue(stream, out var last) && string.Equals(last.Epoch, epoch, StringComparison.Ordinal) && offset <= last.Offset) return false;
        _sent.Set(stream, epoch, offset);
        return true;
    }
}
