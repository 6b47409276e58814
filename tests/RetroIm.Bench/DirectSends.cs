using System.Runtime.ExceptionServices;
using RetroIm.Im;

namespace RetroIm.Bench;

/// <summary>
/// Direct messages sent through ImClient with at most <c>limit</c> in flight (the Redis connection pipelines them). A
/// send takes a slot and gives it back when ImClient returns; nothing else waits for it, so the sender never stalls
/// on a batch of earlier sends (waiting for every send of a batch stopped the loop for a round trip each time, then it
/// caught up in a burst). The first failure is kept: the next <see cref="WaitForSlotAsync"/> and <see cref="DrainAsync"/> throw it.
/// </summary>
internal sealed class DirectSends(ImClient im, bool ephemeral, int limit = 1024) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(limit, limit);
    private Exception? _failure;

    /// <summary>Waits for a free slot (a payload stamped with its send time is made after this).</summary>
    public async ValueTask WaitForSlotAsync()
    {
        ThrowIfFailed();
        await _slots.WaitAsync();
    }

    /// <summary>Starts one message (kept, or not with <c>ephemeral</c>) to <paramref name="client"/> in the slot just taken.</summary>
    public void Start(string client, byte[] payload) => _ = RunAsync(client, payload);

    /// <summary>Until every started send has returned (at most <paramref name="bound"/>); throws the first failure.</summary>
    public async Task DrainAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var taken = 0;
        try
        {
            // Every slot back means every send has returned.
            for (; taken < limit; taken++) await _slots.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{limit - taken} direct sends still in flight after {bound.TotalSeconds:0} s");
        }
        _slots.Release(limit);
        ThrowIfFailed();
    }

    private async Task RunAsync(string client, byte[] payload)
    {
        try
        {
            if (ephemeral) await im.SendEphemeralMessageAsync(null, [client], payload);
            else await im.SendMessageAsync(null, [client], payload);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
        finally
        {
            _slots.Release();
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    public void Dispose() => _slots.Dispose();
}
