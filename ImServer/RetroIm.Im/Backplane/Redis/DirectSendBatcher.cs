using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// Group commit for <see cref="RedisBackplane.PublishMessageToClientsAsync"/>: a send goes to Redis at once when no
/// batch is in flight; while one is, later sends queue and go out together, in call order, as one
/// <see cref="RedisScripts.PublishMessagesToClients"/> call when it completes. A script call costs Redis far more than
/// the commands in it, so under load this nearly halves Redis's CPU per message; at a low rate nothing waits.
/// </summary>
/// <remarks>
/// <para>Under heavy load (a full batch waiting) more batches, up to <see cref="MaxInFlight"/> in all, are pipelined
/// behind the one in flight, so Redis starts on the next as soon as it finishes one instead of waiting a round trip
/// through this process. Every batch goes to Redis on one connection (<see cref="RedisClient.EvalInOrderAsync"/>)
/// and is handed to it under the lock that takes it from the queue, so batches run in call order: messages to the
/// same client keep the order of the calls. A batch that may have another behind it is sent with the script's source,
/// because an EVALSHA answered NOSCRIPT (after SCRIPT FLUSH) would be retried after the batch behind it; a batch sent
/// alone uses the SHA1.</para>
/// <para>Each caller gets its own result. A batch that fails as a whole (the connection lost with it in flight, a
/// timeout, connect refused) faults every caller in it with the same exception, so "it never reached Redis" is true of
/// all of them or of none; a message the script rejects faults only its caller.</para>
/// <para>A batch's callers resume one after the other in one thread-pool work item (their continuations run inline
/// there): never on the thread that receives Redis's replies, and without a thread hop each.</para>
/// <para>Cancelling a caller that is still queued removes its message; once its batch was handed to Redis the caller
/// stops waiting but the message (and the others in the batch) still goes out, as for a single cancelled command.</para>
/// </remarks>
internal sealed class DirectSendBatcher
{
    /// <summary>At most this many messages per script call.</summary>
    internal const int MaxMessages = 64;

    /// <summary>At most about this many bytes of arguments per script call (a larger message goes alone).</summary>
    internal const int MaxBytes = 256 * 1024;

    /// <summary>At most this many stream appends per script call (a message with more receivers goes alone).</summary>
    internal const int MaxAppends = 1024;

    /// <summary>
    /// At most this many script calls in flight: one, and under heavy load up to three more pipelined behind it, so Redis
    /// always has the next batch when it finishes one, even when this process is slow to be scheduled (with two, on a
    /// loaded 2-core machine Redis sat idle between batches and direct sends fell 15–25 % short of what four delivered).
    /// </summary>
    internal const int MaxInFlight = 4;

    // Per argument, beyond its bytes: RESP framing and Lua's copy.
    private const int ArgOverhead = 16;

    private readonly Func<RedisArg[], bool, Task<RespValue>> _eval;
    private readonly Func<StreamRetention, RedisArg[]> _streamArgs;
    private readonly RedisArg _clientPrefix;
    private readonly RedisArg _nodeTopicPrefix;
    private readonly RedisArg _nodeBatchTopicPrefix;
    private readonly Lock _gate = new();
    private readonly Queue<DirectSend> _queue = new();

    // Guarded by _gate: batches handed to Redis and not yet answered, and whether the last one handed over carries
    // the script's source (only then may another go behind it).
    private int _inFlight;
    private bool _lastWithSource;
    private long _batches;
    private long _pipelined;
    private int _deepest;

    /// <param name="eval">
    /// Runs the script with these ARGV, with its source (true) or by SHA1; calls made one after the other must run in
    /// that order (<see cref="RedisClient.EvalInOrderAsync"/>), and the call must hand the command over before it returns.
    /// </param>
    /// <param name="streamArgs">ARGV[1..5] of the append function for a retention (a fresh epoch each time).</param>
    public DirectSendBatcher(Func<RedisArg[], bool, Task<RespValue>> eval, Func<StreamRetention, RedisArg[]> streamArgs, string clientPrefix, string nodeTopicPrefix, string nodeBatchTopicPrefix)
    {
        _nodeBatchTopicPrefix = nodeBatchTopicPrefix;
        _eval = eval;
        _streamArgs = streamArgs;
        _clientPrefix = clientPrefix;
        _nodeTopicPrefix = nodeTopicPrefix;
    }

    /// <summary>Script calls made so far; lets tests see that concurrent sends were coalesced.</summary>
    internal long Batches => Interlocked.Read(ref _batches);

    /// <summary>Script calls handed to Redis while another was in flight; lets tests see the pipelining.</summary>
    internal long Pipelined => Interlocked.Read(ref _pipelined);

    /// <summary>The most script calls that were in flight at once; lets tests see how deep the pipeline went.</summary>
    internal int Deepest => Volatile.Read(ref _deepest);

    /// <summary>Queues one message (receivers distinct, non-empty) and returns its own result.</summary>
    /// <param name="head">
    /// Kept: the packet's header without its closing brace (the script adds the positions), and <paramref name="frame"/>
    /// the frame. Not kept (<see cref="StreamRetention.IsNone"/>): the whole batch entry (<see cref="RelayBatch.Entry"/>),
    /// which the script only queues, and <paramref name="frame"/> is empty.
    /// </param>
    public Task<ClientsPublishResult> SendAsync(string[] clientIds, byte[] head, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<ClientsPublishResult>(cancellationToken);
        var send = new DirectSend(this, clientIds, head, frame, retention);
        // Registered before anyone else can see the send, so a batch that completes it also disposes the registration.
        if (cancellationToken.CanBeCanceled) send.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((DirectSend)state!).Cancel(token), send);
        lock (_gate)
        {
            // Cancelled already (the callback ran inside UnsafeRegister): it never goes out.
            if (send.State == SendState.Cancelled) return send.Completion.Task;
            if (_inFlight == 0)
            {
                // Nothing in flight, so nothing queued either: this message goes out now, alone.
                send.State = SendState.Sent;
                StartLocked([send], withSource: false);
            }
            else
            {
                _queue.Enqueue(send);
                PumpLocked();
            }
        }
        return send.Completion.Task;
    }

    private void Cancel(DirectSend send, CancellationToken token)
    {
        lock (_gate)
        {
            // Still queued: it never goes out. (Taken into a batch: it does, and only this wait ends.)
            if (send.State == SendState.Queued) send.State = SendState.Cancelled;
        }
        send.Completion.TrySetCanceled(token);
    }

    /// <summary>
    /// Under the lock: hands queued batches to Redis while there is room — one when nothing is in flight, another (up
    /// to <see cref="MaxInFlight"/>) only when a full batch waits and the last one handed over carries the script's
    /// source. A batch carries the source when the queue still holds a full batch after it (heavy load: the next may go
    /// behind it).
    /// </summary>
    private void PumpLocked()
    {
        while (_inFlight == 0 || (_inFlight < MaxInFlight && _lastWithSource && _queue.Count >= MaxMessages))
        {
            var batch = TakeBatch();
            if (batch is null) return;
            StartLocked(batch, withSource: _queue.Count >= MaxMessages);
        }
    }

    /// <summary>Under the lock, so batches reach the connection in the order they were taken from the queue.</summary>
    private void StartLocked(List<DirectSend> batch, bool withSource)
    {
        if (_inFlight > 0) _pipelined++;
        _inFlight++;
        if (_inFlight > _deepest) Volatile.Write(ref _deepest, _inFlight);
        _lastWithSource = withSource;
        Interlocked.Increment(ref _batches);
        _ = AwaitAsync(batch, Start(batch, withSource));
    }

    /// <summary>
    /// Waits for a batch's reply; then (before its callers are completed) hands what is queued to Redis as far as
    /// there is room, and completes the callers in one pool work item.
    /// </summary>
    private async Task AwaitAsync(List<DirectSend> batch, Task<RespValue> eval)
    {
        // Always after a yield: a call that failed at once (a disposed client) must not run the rest of this under
        // the caller's lock, where taking the next batch would recurse through the whole queue.
        await ((Task)eval).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        RespValue? reply = null;
        Exception? error = null;
        if (eval.IsCompletedSuccessfully) reply = eval.Result;
        else error = eval.Exception?.InnerException ?? new OperationCanceledException("The Redis call was cancelled.");
        lock (_gate)
        {
            _inFlight--;
            PumpLocked();
        }
        // Callers resume in one pool work item per batch, one after the other: not on the thread that receives
        // replies (a slow caller never delays the next batch) and without a thread hop per caller.
        ThreadPool.UnsafeQueueUserWorkItem(static state => Complete(state.Batch, state.Reply, state.Error), (Batch: batch, Reply: reply, Error: error), preferLocal: false);
    }

    /// <summary>Under the lock: the longest run of queued sends with one retention within the caps, or null.</summary>
    private List<DirectSend>? TakeBatch()
    {
        List<DirectSend>? batch = null;
        long bytes = 0, appends = 0;
        while (_queue.TryPeek(out var send))
        {
            if (send.State == SendState.Cancelled)
            {
                _queue.Dequeue();
                continue;
            }
            if (batch is not null
                && (batch.Count == MaxMessages || bytes + send.Bytes > MaxBytes || appends + send.ClientIds.Length > MaxAppends
                    || !SameRetention(batch[0].Retention, send.Retention)))
            {
                break;
            }
            _queue.Dequeue();
            send.State = SendState.Sent;
            (batch ??= []).Add(send);
            bytes += send.Bytes;
            appends += send.ClientIds.Length;
        }
        return batch;
    }

    private static bool SameRetention(StreamRetention a, StreamRetention b) => a.MaxLength == b.MaxLength && a.MaxAge == b.MaxAge;

    private Task<RespValue> Start(List<DirectSend> batch, bool withSource)
    {
        try
        {
            var streamArgs = _streamArgs(batch[0].Retention);
            var count = streamArgs.Length + 3;
            var fields = batch[0].Retention.IsNone ? 2 : 3;
            foreach (var send in batch) count += fields + send.ClientIds.Length;
            var args = new RedisArg[count];
            streamArgs.CopyTo(args, 0);
            var i = streamArgs.Length;
            args[i++] = _clientPrefix;
            args[i++] = _nodeTopicPrefix;
            args[i++] = _nodeBatchTopicPrefix;
            foreach (var send in batch)
            {
                args[i++] = send.Head;
                if (fields == 3) args[i++] = send.Frame;
                args[i++] = send.ClientIds.Length;
                foreach (var client in send.ClientIds) args[i++] = client;
            }
            return _eval(args, withSource);
        }
        catch (Exception e)
        {
            return Task.FromException<RespValue>(e);
        }
    }

    private static void Complete(List<DirectSend> batch, RespValue? reply, Exception? error)
    {
        // The script's flat reply: per message, in order, nodes and offline clients, or -1 and an error.
        var items = error is null ? reply!.Items : null;
        var at = 0;
        for (var m = 0; m < batch.Count; m++)
        {
            var send = batch[m];
            send.Registration.Dispose();
            if (items is null)
            {
                send.Completion.TrySetException(error!);
                continue;
            }
            try
            {
                var nodeCount = items[at++].AsInt64();
                if (nodeCount < 0)
                {
                    send.Completion.TrySetException(new RedisServerException(items[at++].AsString()!));
                    continue;
                }
                var nodes = ReadStrings(items, ref at, nodeCount);
                var offline = ReadStrings(items, ref at, items[at++].AsInt64());
                if (nodes.Length > 1) Array.Sort(nodes, StringComparer.Ordinal);
                send.Completion.TrySetResult(new ClientsPublishResult(nodes, offline));
            }
            catch (Exception e)
            {
                // A reply of the wrong shape: say so to this caller (and the rest of the batch) rather than leave it waiting.
                send.Completion.TrySetException(e);
                items = null;
                error = e;
            }
        }
    }

    private static string[] ReadStrings(IReadOnlyList<RespValue> items, ref int at, long count)
    {
        if (count == 0) return [];
        var strings = new string[count];
        for (var i = 0; i < strings.Length; i++) strings[i] = items[at++].AsString()!;
        return strings;
    }

    private enum SendState
    {
        Queued,
        Sent,
        Cancelled,
    }

    private sealed class DirectSend(DirectSendBatcher owner, string[] clientIds, byte[] head, ReadOnlyMemory<byte> frame, StreamRetention retention)
    {
        public string[] ClientIds { get; } = clientIds;

        /// <summary>See <see cref="SendAsync"/>: the open header (kept) or the batch entry (not kept).</summary>
        public byte[] Head { get; } = head;

        public ReadOnlyMemory<byte> Frame { get; } = frame;

        public StreamRetention Retention { get; } = retention;

        /// <summary>About the bytes of its arguments (ids counted as one byte a char; close enough for a cap).</summary>
        public long Bytes { get; } = head.Length + frame.Length + Sum(clientIds) + ((3L + clientIds.Length) * ArgOverhead);

        /// <summary>Completed from a work item of its own batch (see <see cref="AwaitAsync"/>), so continuations run inline there.</summary>
        public TaskCompletionSource<ClientsPublishResult> Completion { get; } = new();

        /// <summary>Read and written under the batcher's lock.</summary>
        public SendState State { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public void Cancel(CancellationToken token) => owner.Cancel(this, token);

        private static long Sum(string[] ids)
        {
            long total = 0;
            foreach (var id in ids) total += id.Length;
            return total;
        }
    }
}
