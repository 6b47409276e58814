namespace RetroIm.Redis.Transport;

/// <summary>
/// A command on its way through a <see cref="RedisConnection"/>: queued, then written (and holding a FIFO slot
/// until its reply arrives). The task completes with the raw reply, error replies included.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RespValue>
{
    private const int Queued = 0;
    private const int Written = 1;
    private const int Abandoned = 2;

    private int _state;

    public PendingCommand(string command, IReadOnlyList<RedisArg> args)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Command = command;
        Args = args;
    }

    public string Command { get; }

    public IReadOnlyList<RedisArg> Args { get; }

    /// <summary>When the writer sent it (<see cref="RedisMetrics.CommandStarted"/>); 0 while not measured.</summary>
    public long WrittenAt { get; set; }

    /// <summary>Called by the writer just before writing; false when the caller gave up, so it is never sent.</summary>
    public bool TryMarkWritten() => Interlocked.CompareExchange(ref _state, Written, Queued) == Queued;

    /// <summary>
    /// Called when the caller stops waiting (timeout or cancellation). A command not yet written is dropped; one
    /// already written keeps its FIFO slot so the late reply is matched to it and discarded.
    /// </summary>
    public void Abandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued);
}
