using RetroIm.Im.Protocol;

namespace RetroIm.Im.Backplane;

public sealed partial class InMemoryBackplane
{
    /// <summary>As the Redis sequence key, which outlives the history so an idle client resumes in its epoch.</summary>
    private static readonly long SequenceTtlMs = (long)TimeSpan.FromHours(24).TotalMilliseconds;

    private const int SweepEvery = 1024;

    private readonly Dictionary<string, MemoryStreamLog> _streams = NewMap<MemoryStreamLog>();
    private int _appendsSinceSweep;

    public Task<ClientsPublishResult> PublishMessageToClientsAsync(IReadOnlyList<string> clientIds, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentOutOfRangeException.ThrowIfNegative(retention.MaxLength, nameof(retention));
        ThrowIfDisposed();
        var retained = !retention.IsNone;
        var nodeIds = new List<string>();
        var offline = new List<string>();
        if (clientIds.Count == 0) return Task.FromResult(new ClientsPublishResult(nodeIds, offline));
        var seenNodes = new HashSet<string>(StringComparer.Ordinal);
        var stored = frame.ToArray();
        // Not retained: no positions, and the packet carries none.
        var epochs = retained ? new string[clientIds.Count] : null;
        var offsets = retained ? new long[clientIds.Count] : null;
        lock (_gate)
        {
            var now = NowMs();
            for (var i = 0; i < clientIds.Count; i++)
            {
                var clientId = clientIds[i] ?? throw new ArgumentNullException(nameof(clientIds), "A clientId is null.");
                if (retained) (epochs![i], offsets![i]) = AppendLocked(ImStreams.Client(clientId), stored, retention, now);
                if (!_clientNodes.TryGetValue(clientId, out var nodes))
                {
                    offline.Add(clientId);
                    continue;
                }
                foreach (var nodeId in nodes.Keys)
                {
                    if (seenNodes.Add(nodeId)) nodeIds.Add(nodeId);
                }
            }
            var packet = RelayPacket.Write(header with { Epochs = epochs, Offsets = offsets }, stored);
            // Queued under the lock: append, lookup and publish are one step, as in the Redis script.
            foreach (var nodeId in nodeIds) _outbox.Enqueue((ImTopics.Node(nodeId), packet));
        }
        Dispatch();
        nodeIds.Sort(StringComparer.Ordinal);
        return Task.FromResult(new ClientsPublishResult(nodeIds, offline));
    }

    public Task<StreamPosition> PublishChanMessageAsync(string chan, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentOutOfRangeException.ThrowIfLessThan(retention.MaxLength, 1, nameof(retention));
        ThrowIfDisposed();
        var stored = frame.ToArray();
        StreamPosition position;
        lock (_gate)
        {
            var (epoch, offset) = AppendLocked(ImStreams.Chan(chan), stored, retention, NowMs());
            position = new StreamPosition(epoch, offset);
            _outbox.Enqueue((ImTopics.Chan(chan), RelayPacket.Write(header with { Epochs = [epoch], Offsets = [offset] }, stored)));
        }
        Dispatch();
        return Task.FromResult(position);
    }

    public Task<StreamReadResult> ReadStreamAsync(string stream, string epoch, long afterOffset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(epoch);
        ThrowIfDisposed();
        lock (_gate)
        {
            var now = NowMs();
            if (!_streams.TryGetValue(stream, out var log) || log.SequenceExpiresAtMs <= now)
            {
                return Task.FromResult(new StreamReadResult(StreamReadStatus.EpochChanged, null, 0, []));
            }
            if (log.Epoch != epoch || afterOffset > log.LastOffset || afterOffset < 0)
            {
                return Task.FromResult(new StreamReadResult(StreamReadStatus.EpochChanged, log.Epoch, log.LastOffset, []));
            }
            if (afterOffset == log.LastOffset) return Task.FromResult(new StreamReadResult(StreamReadStatus.Ok, log.Epoch, log.LastOffset, []));
            var missed = log.LastOffset - afterOffset;
            log.Trim(now);
            if (missed > log.MaxLength || log.Entries.Count < missed)
            {
                return Task.FromResult(new StreamReadResult(StreamReadStatus.Expired, log.Epoch, log.LastOffset, []));
            }
            var entries = new StreamEntry[missed];
            var skip = log.Entries.Count - (int)missed;
            var i = 0;
            foreach (var entry in log.Entries)
            {
                if (skip-- > 0) continue;
                entries[i++] = new StreamEntry(entry.Offset, entry.Frame);
            }
            return Task.FromResult(new StreamReadResult(StreamReadStatus.Ok, log.Epoch, log.LastOffset, entries));
        }
    }

    public Task<IReadOnlyList<StreamPosition>> GetStreamPositionsAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ThrowIfDisposed();
        var positions = new StreamPosition[streams.Count];
        lock (_gate)
        {
            var now = NowMs();
            for (var i = 0; i < positions.Length; i++)
            {
                var stream = streams[i] ?? throw new ArgumentNullException(nameof(streams), "A stream is null.");
                if (!_streams.TryGetValue(stream, out var log) || log.SequenceExpiresAtMs <= now)
                {
                    log = new MemoryStreamLog(RedisBackplane.NewEpoch());
                    log.Start(now + SequenceTtlMs);
                    _streams[stream] = log;
                }
                positions[i] = new StreamPosition(log.Epoch, log.LastOffset);
            }
        }
        return Task.FromResult<IReadOnlyList<StreamPosition>>(positions);
    }

    /// <summary>Never raised: in-process delivery cannot lose a subscription.</summary>
    public event Action? Resubscribed
    {
        add { }
        remove { }
    }

    private (string Epoch, long Offset) AppendLocked(string stream, byte[] frame, StreamRetention retention, long now)
    {
        if (!_streams.TryGetValue(stream, out var log) || log.SequenceExpiresAtMs <= now)
        {
            log = new MemoryStreamLog(RedisBackplane.NewEpoch());
            _streams[stream] = log;
        }
        log.Append(frame, retention, now, Math.Max(TtlMs(retention.MaxAge), SequenceTtlMs));
        if (++_appendsSinceSweep >= SweepEvery) SweepLocked(now);
        return (log.Epoch, log.LastOffset);
    }

    /// <summary>Drops expired sequences and old entries, as Redis expiry would, so idle streams do not pile up.</summary>
    private void SweepLocked(long now)
    {
        _appendsSinceSweep = 0;
        List<string>? expired = null;
        foreach (var (stream, log) in _streams)
        {
            if (log.SequenceExpiresAtMs <= now) (expired ??= []).Add(stream);
            else log.Trim(now);
        }
        if (expired is null) return;
        foreach (var stream in expired) _streams.Remove(stream);
    }
}
