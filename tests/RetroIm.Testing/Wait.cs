using System.Diagnostics;

namespace RetroIm.Testing;

/// <summary>
/// Bounded polling for state that raises no event (Redis keys, process exit). Prefer awaiting an event; use this
/// only where nothing can be awaited.
/// </summary>
public static class Wait
{
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it is true; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string? what = null, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false)) return;
                last = null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Transient failures (Redis restarting, a node starting) count as "not yet"; reported on timeout.
                last = e;
            }
            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what ?? "a condition"}.", last);
            }
            await Task.Delay(poll ?? DefaultPoll).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string?, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string? what = null, TimeSpan? poll = null)
        => UntilAsync(() => Task.FromResult(condition()), timeout, what, poll);
}
