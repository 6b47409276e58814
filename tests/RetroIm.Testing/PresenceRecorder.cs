using RetroIm.Im;

namespace RetroIm.Testing;

/// <summary>
/// Records every online/offline event an <see cref="ImClient"/> raises, so tests can await one
/// (<see cref="WaitForAsync"/>) and count them per client (<see cref="Count"/>).
/// </summary>
public sealed class PresenceRecorder : IDisposable
{
    private readonly ImClient _client;
    private readonly List<PresenceEvent> _events = [];
    private readonly List<(Func<PresenceEvent, bool> Match, TaskCompletionSource<PresenceEvent> Done)> _waiters = [];

    public PresenceRecorder(ImClient client)
    {
        _client = client;
        _client.Online += Record;
        _client.Offline += Record;
    }

    /// <summary>Every event so far, in arrival order.</summary>
    public IReadOnlyList<PresenceEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    private void Record(PresenceEvent presence)
    {
        List<TaskCompletionSource<PresenceEvent>>? done = null;
        lock (_events)
        {
            _events.Add(presence);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(presence)) continue;
                (done ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (done is null) return;
        foreach (var tcs in done) tcs.TrySetResult(presence);
    }

    /// <summary>How many <paramref name="type"/> events <paramref name="clientId"/> has had.</summary>
    public int Count(string type, string clientId)
    {
        lock (_events) return _events.Count(e => e.Type == type && e.ClientId == clientId);
    }

    /// <summary>
    /// The first <paramref name="type"/> event of <paramref name="clientId"/> (already recorded or still to come).
    /// </summary>
    public Task<PresenceEvent> WaitForAsync(string type, string clientId, TimeSpan? timeout = null)
        => WaitForAsync(e => e.Type == type && e.ClientId == clientId, $"{type} of {clientId}", timeout);

    /// <summary>The first event matching <paramref name="match"/> (already recorded or still to come).</summary>
    public async Task<PresenceEvent> WaitForAsync(Func<PresenceEvent, bool> match, string what, TimeSpan? timeout = null)
    {
        var tcs = new TaskCompletionSource<PresenceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            var seen = _events.FirstOrDefault(match);
            if (seen is not null) return seen;
            _waiters.Add((match, tcs));
        }
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            return await tcs.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_events) _waiters.RemoveAll(w => w.Done == tcs);
            throw new TimeoutException($"No presence event \"{what}\" within {limit.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>Waits for the <paramref name="type"/> event of every client in <paramref name="clientIds"/>.</summary>
    public Task WaitForAllAsync(string type, IEnumerable<string> clientIds, TimeSpan? timeout = null)
        => Task.WhenAll(clientIds.Select(id => WaitForAsync(type, id, timeout)));

    public void Dispose()
    {
        _client.Online -= Record;
        _client.Offline -= Record;
    }
}
