namespace RetroIm.Redis.Transport;

/// <summary>
/// A command (or a <see cref="RedisPipeline"/> of them) on its way through a <see cref="RedisConnection"/>: queued,
/// then written (and holding a FIFO slot until its replies arrive). The task completes with the raw reply, error
/// replies included; a pipeline's is an array of its commands' replies.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RespValue>
{
    private const int Queued = 0;
    private const int Written = 1;
    private const int Abandoned = 2;

    private static readonly IReadOnlyList<RedisArg> NoArgs = [];

    // A single command's name; for a pipeline made only when a message needs it (a timeout, a lost connection).
    private string? _command;

    private int _state;

    // A pipeline's replies so far (touched only by the connection's read loop).
    private RespValue[]? _replies;
    private int _received;

    public PendingCommand(string command, IReadOnlyList<RedisArg> args)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _command = command;
        Args = args;
    }

    /// <summary>A pipeline (at least one command): written as its commands back to back, answered by as many replies.</summary>
    public PendingCommand(RedisPipeline pipeline)
        : this(null!, NoArgs)
    {
        Pipeline = pipeline;
        PipelineCount = pipeline.Count;
    }

    /// <summary>The command's name, or a pipeline's description (for error messages).</summary>
    public string Command => _command ??= Pipeline!.Describe(PipelineCount);

    public IReadOnlyList<RedisArg> Args { get; }

    public RedisPipeline? Pipeline { get; }

    /// <summary>The pipeline's commands when it was handed over: what is written, and how many replies it waits for.</summary>
    public int PipelineCount { get; }

    /// <summary>When the writer sent it (<see cref="RedisMetrics.CommandStarted"/>); 0 while not measured.</summary>
    public long WrittenAt { get; set; }

    /// <summary>Called by the writer just before writing; false when the caller gave up, so it is never sent.</summary>
    public bool TryMarkWritten() => Interlocked.CompareExchange(ref _state, Written, Queued) == Queued;

    /// <summary>
    /// Called when the caller stops waiting (timeout or cancellation). A command not yet written is dropped; one
    /// already written keeps its FIFO slot so the late reply is matched to it and discarded.
    /// </summary>
    public void Abandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued);

    /// <summary>
    /// Takes the next reply; true with the whole reply once every one arrived (a single command: at once; a
    /// pipeline: an array of its replies after the last).
    /// </summary>
    public bool TryTakeReply(RespValue reply, out RespValue whole)
    {
        if (Pipeline is null)
        {
            whole = reply;
            return true;
        }

        _replies ??= new RespValue[PipelineCount];
        _replies[_received++] = reply;
        whole = _received == _replies.Length ? RespValue.Array(_replies) : null!;
        return _received == _replies.Length;
    }
}
