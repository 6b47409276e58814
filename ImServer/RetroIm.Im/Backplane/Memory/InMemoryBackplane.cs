using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RetroIm.Im.Backplane;

/// <summary>
/// The backplane of the embedded single-process mode: the same semantics as <see cref="RedisBackplane"/>, with the
/// state in dictionaries behind one lock and pub/sub dispatched in process.
/// </summary>
/// <remarks>
/// Every state change runs under <c>_gate</c> and queues the events it causes before releasing it, and one dispatcher
/// at a time drains that queue, so subscribers see events in the order of the changes (as Redis delivers them) and
/// never run a handler under the state lock or concurrently with another handler.
/// </remarks>
public sealed partial class InMemoryBackplane : IImBackplane
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <param name="time">The clock for ticket and node expiry and event timestamps; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Reports handlers that throw.</param>
    public InMemoryBackplane(TimeProvider? time = null, ILogger<InMemoryBackplane>? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string Kind => "memory";

    public Task PingAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate) _disposed = true;
        _handlers.Clear();
        return ValueTask.CompletedTask;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);

    private static long TtlMs(TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        // Redis counts whole milliseconds; round up so a sub-millisecond TTL still stores the value.
        return Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
    }

    private static List<string> Sorted(IEnumerable<string> items)
    {
        var list = new List<string>(items);
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private static Dictionary<string, TValue> NewMap<TValue>() => new(StringComparer.Ordinal);

    private static ConcurrentDictionary<string, TValue> NewConcurrentMap<TValue>() => new(StringComparer.Ordinal);
}
