using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Transport.Uring;

/// <summary>
/// The node's <see cref="SendBatch"/>es, one per thread fanning out at the same moment (usually one: the backplane's
/// dispatch loop). <see cref="Rent"/> returns null when batched sends are off (<see cref="ImRelayOptions.BatchedSends"/>)
/// or this system gives no <c>io_uring</c>; the fan-out then makes one <c>send</c> per delivery, as it always could.
/// </summary>
internal sealed class SendBatchPool : IDisposable
{
    // Batches kept for reuse; more only exist while more threads fan out at once.
    private const int MaxIdle = 16;

    // The usual case, one dispatch thread renting a batch per packet, takes and gives back this one without allocating
    // (a ConcurrentStack allocates a node per push); batches of more threads at once wait in the stack.
    private SendBatch? _cached;
    private readonly ConcurrentStack<SendBatch> _idle = new();
    private readonly ILogger<SendBatchPool> _logger;
    private readonly RelayMetrics _metrics;
    private volatile bool _enabled;
    private volatile bool _disposed;
    private int _announced;

    public SendBatchPool(IOptions<ImRelayOptions> options, RelayMetrics metrics, ILogger<SendBatchPool> logger)
    {
        _logger = logger;
        _metrics = metrics;
        _enabled = options.Value.BatchedSends;
        if (!_enabled) RelayLog.BatchedSendsOff(_logger, "ImServer:BatchedSends is false");
    }

    /// <summary>Whether fan-outs are batched (false once io_uring was found missing or failed).</summary>
    public bool Enabled => _enabled;

    /// <summary>A batch for one fan-out, or null: send one frame at a time.</summary>
    public SendBatch? Rent()
    {
        if (!_enabled || _disposed) return null;
        if (Interlocked.Exchange(ref _cached, null) is { } cached) return cached;
        if (_idle.TryPop(out var batch)) return batch;
        var ring = UringSendRing.TryCreate(out var reason);
        if (ring is null)
        {
            Disable(reason ?? "io_uring is not available");
            return null;
        }
        if (Interlocked.Exchange(ref _announced, 1) == 0) RelayLog.BatchedSendsOn(_logger, UringSendRing.Capacity);
        return new SendBatch(this, ring);
    }

    /// <summary>Turns batching off for good (the ring failed, or none can be made) and says why, once.</summary>
    public void Disable(string reason)
    {
        if (!_enabled) return;
        _enabled = false;
        RelayLog.BatchedSendsOff(_logger, reason);
        FreeIdle();
    }

    internal void Sent(int frames, int sends, long bytes) => _metrics.BatchSent(frames, sends, bytes);

    internal void CompletionFailed(Exception error) => RelayLog.BatchedSendFailed(_logger, error);

    internal void Return(SendBatch batch)
    {
        if (_enabled && !_disposed && (Interlocked.CompareExchange(ref _cached, batch, null) is null || PushIdle(batch)))
        {
            // Disposed or disabled meanwhile: nobody else will free it.
            if (_disposed || !_enabled) FreeIdle();
            return;
        }
        batch.Free();
    }

    public void Dispose()
    {
        _disposed = true;
        FreeIdle();
    }

    private bool PushIdle(SendBatch batch)
    {
        if (_idle.Count >= MaxIdle) return false;
        _idle.Push(batch);
        return true;
    }

    private void FreeIdle()
    {
        Interlocked.Exchange(ref _cached, null)?.Free();
        while (_idle.TryPop(out var batch)) batch.Free();
    }
}
