namespace RetroIm.Relay.Connections;

/// <summary>Counts connection handlers still running, so a graceful shutdown can wait until the last one finished.</summary>
internal sealed class ConnectionTracker
{
    private int _active;
    private TaskCompletionSource? _idle;

    public int Active => Volatile.Read(ref _active);

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0) Volatile.Read(ref _idle)?.TrySetResult();
    }

    /// <summary>Completes when no handler is running (at once when none is).</summary>
    public Task WhenIdleAsync()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        if (Active == 0) idle.TrySetResult();
        return idle.Task;
    }
}
