using System.Globalization;

namespace RetroIm.Im.Backplane;

/// <summary>
/// The client-event stream of the embedded mode: a bounded queue (the last 10,000 events, as Redis's MAXLEN) with
/// consumer groups that behave as Redis's: a new group starts at the oldest retained event, read events stay pending
/// for their consumer until acknowledged, and pending events idle long enough can be claimed by another consumer.
/// Ids look like Redis's (<c>{ms}-{n}</c>) and only grow.
/// </summary>
public sealed partial class InMemoryBackplane
{
    private readonly Lock _eventsGate = new();
    private readonly Dictionary<long, ClientEvent> _clientEvents = [];
    private readonly Dictionary<string, EventGroup> _eventGroups = NewMap<EventGroup>();
    private long _firstEventSeq = 1;
    private long _nextEventSeq = 1;
    private long _lastEventMs;
    private TaskCompletionSource _eventAppended = NewSignal();

    public Task<string> AppendClientEventAsync(ClientEvent clientEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);
        ThrowIfDisposed();
        TaskCompletionSource appended;
        string id;
        lock (_eventsGate)
        {
            _lastEventMs = Math.Max(_lastEventMs, NowMs());
            var seq = _nextEventSeq++;
            id = _lastEventMs.ToString(CultureInfo.InvariantCulture) + "-" + seq.ToString(CultureInfo.InvariantCulture);
            _clientEvents[seq] = clientEvent with { Id = id };
            while (_clientEvents.Count > ClientEventStream.MaxLength) _clientEvents.Remove(_firstEventSeq++);
            appended = _eventAppended;
            _eventAppended = NewSignal();
        }
        appended.TrySetResult();
        return Task.FromResult(id);
    }

    public async Task<IReadOnlyList<ClientEvent>> ReadClientEventsAsync(string group, string consumer, int count, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ThrowIfDisposed();
        Task appended;
        lock (_eventsGate)
        {
            var read = ReadNewLocked(group, consumer, count);
            if (read.Count > 0 || wait <= TimeSpan.Zero) return read;
            appended = _eventAppended.Task;
        }
        try
        {
            await appended.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return [];
        }
        lock (_eventsGate) return ReadNewLocked(group, consumer, count);
    }

    public Task<long> AckClientEventsAsync(string group, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(ids);
        ThrowIfDisposed();
        long acked = 0;
        lock (_eventsGate)
        {
            var state = GroupLocked(group);
            foreach (var id in ids)
            {
                if (TryParseSeq(id, out var seq) && state.Pending.Remove(seq)) acked++;
            }
        }
        return Task.FromResult(acked);
    }

    public Task<IReadOnlyList<ClientEvent>> ClaimClientEventsAsync(string group, string consumer, TimeSpan minIdle, int count, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ThrowIfDisposed();
        var claimed = new List<ClientEvent>();
        lock (_eventsGate)
        {
            var state = GroupLocked(group);
            var now = NowMs();
            var idleMs = Math.Max(0, (long)minIdle.TotalMilliseconds);
            // A copy: the loop reassigns and drops entries.
            foreach (var (seq, pending) in state.Pending.ToArray())
            {
                if (claimed.Count == count) break;
                if (!_clientEvents.TryGetValue(seq, out var clientEvent))
                {
                    state.Pending.Remove(seq); // trimmed while pending, as XAUTOCLAIM reports and drops it
                    continue;
                }
                if (now - pending.DeliveredAtMs < idleMs) continue;
                state.Pending[seq] = new PendingEvent(consumer, now);
                claimed.Add(clientEvent);
            }
        }
        return Task.FromResult<IReadOnlyList<ClientEvent>>(claimed);
    }

    private List<ClientEvent> ReadNewLocked(string group, string consumer, int count)
    {
        var state = GroupLocked(group);
        var read = new List<ClientEvent>();
        var now = NowMs();
        for (var seq = Math.Max(state.LastDelivered + 1, _firstEventSeq); seq < _nextEventSeq && read.Count < count; seq++)
        {
            read.Add(_clientEvents[seq]);
            state.Pending[seq] = new PendingEvent(consumer, now);
            state.LastDelivered = seq;
        }
        return read;
    }

    private EventGroup GroupLocked(string group)
    {
        if (!_eventGroups.TryGetValue(group, out var state))
        {
            // As XGROUP CREATE … 0: the new group starts before the oldest retained event.
            state = new EventGroup { LastDelivered = _firstEventSeq - 1 };
            _eventGroups.Add(group, state);
        }
        return state;
    }

    private static bool TryParseSeq(string id, out long seq)
    {
        seq = 0;
        var dash = id.IndexOf('-');
        return dash > 0 && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class EventGroup
    {
        public long LastDelivered;

        /// <summary>Pending events by sequence, in id order (claims take the oldest first).</summary>
        public SortedDictionary<long, PendingEvent> Pending { get; } = [];
    }

    private readonly record struct PendingEvent(string Consumer, long DeliveredAtMs);
}
