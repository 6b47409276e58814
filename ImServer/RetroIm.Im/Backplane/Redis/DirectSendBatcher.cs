using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// Group commit for <see cref="RedisBackplane.PublishMessageToClientsAsync"/>: a send goes to Redis at once when no
/// batch is in flight; while one is, later sends queue and go out together, in call order, as one
/// <see cref="RedisScripts.PublishMessagesToClients"/> call when it completes. A script call costs Redis far more than
/// the commands in it, so under load this nearly halves Redis's CPU per message; at a low rate nothing waits.
/// </summary>
/// <remarks>
/// <para>One batch is in flight at a time, so batches run in call order whichever pooled connection carries them:
/// messages to the same client keep the order of the calls.</para>
/// <para>Each caller gets its own result. A batch that fails as a whole (the connection lost with it in flight, a
/// timeout, connect refused) faults every caller in it with the same exception, so "it never reached Redis" is true of
/// all of them or of none; a message the script rejects faults only its caller.</para>
/// <para>A batch's callers resume one after the other in one thread-pool work item (their continuations run inline
/// there): never on the batch loop, which has already handed the next batch to Redis, and without a thread hop each.</para>
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

    // Per argument, beyond its bytes: RESP framing and Lua's copy.
    private const int ArgOverhead = 16;

    private readonly Func<RedisArg[], Task<RespValue>> _eval;
    private readonly Func<StreamRetention, RedisArg[]> _streamArgs;
    private readonly RedisArg _clientPrefix;
    private readonly RedisArg _nodeTopicPrefix;
    private readonly Lock _gate = new();
    private readonly Queue<DirectSend> _queue = new();
    private bool _sending;
    private long _batches;

    /// <param name="eval">Runs the script with these ARGV.</param>
    /// <param name="streamArgs">ARGV[1..5] of the append function for a retention (a fresh epoch each time).</param>
    public DirectSendBatcher(Func<RedisArg[], Task<RespValue>> eval, Func<StreamRetention, RedisArg[]> streamArgs, string clientPrefix, string nodeTopicPrefix)
    {
        _eval = eval;
        _streamArgs = streamArgs;
        _clientPrefix = clientPrefix;
        _nodeTopicPrefix = nodeTopicPrefix;
    }

    /// <summary>Script calls made so far; lets tests see that concurrent sends were coalesced.</summary>
    internal long Batches => Interlocked.Read(ref _batches);

    /// <summary>Queues one message (receivers distinct, non-empty) and returns its own result.</summary>
    public Task<ClientsPublishResult> SendAsync(string[] clientIds, byte[] openHeader, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<ClientsPublishResult>(cancellationToken);
        var send = new DirectSend(this, clientIds, openHeader, frame, retention);
        // Registered before anyone else can see the send, so a batch that completes it also disposes the registration.
        if (cancellationToken.CanBeCanceled) send.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((DirectSend)state!).Cancel(token), send);
        bool first;
        lock (_gate)
        {
            // Cancelled already (the callback ran inside UnsafeRegister): it never goes out.
            if (send.State == SendState.Cancelled) return send.Completion.Task;
            first = !_sending;
            if (first)
            {
                // Nothing in flight, so nothing queued either: this message goes out now, alone.
                _sending = true;
                send.State = SendState.Sent;
            }
            else
            {
                _queue.Enqueue(send);
            }
        }
        if (first) _ = RunAsync([send]);
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

    /// <summary>Runs batches back to back until the queue is empty; the next batch is handed to Redis before the callers of the previous one are completed.</summary>
    private async Task RunAsync(List<DirectSend> batch)
    {
        var eval = Start(batch);
        while (true)
        {
            RespValue? reply = null;
            Exception? error = null;
            try
            {
                reply = await eval.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }
            List<DirectSend>? next;
            lock (_gate)
            {
                next = TakeBatch();
                if (next is null) _sending = false;
            }
            var nextEval = next is null ? null : Start(next);
            // Callers resume in one pool work item per batch, one after the other: not on this loop (a slow caller
            // never delays the next batch) and without a thread hop per caller.
            ThreadPool.UnsafeQueueUserWorkItem(static state => Complete(state.Batch, state.Reply, state.Error), (Batch: batch, Reply: reply, Error: error), preferLocal: false);
            if (next is null) return;
            batch = next;
            eval = nextEval!;
        }
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

    private Task<RespValue> Start(List<DirectSend> batch)
    {
        Interlocked.Increment(ref _batches);
        try
        {
            var streamArgs = _streamArgs(batch[0].Retention);
            var count = streamArgs.Length + 2;
            foreach (var send in batch) count += 3 + send.ClientIds.Length;
            var args = new RedisArg[count];
            streamArgs.CopyTo(args, 0);
            var i = streamArgs.Length;
            args[i++] = _clientPrefix;
            args[i++] = _nodeTopicPrefix;
            foreach (var send in batch)
            {
                args[i++] = send.OpenHeader;
                args[i++] = send.Frame;
                args[i++] = send.ClientIds.Length;
                foreach (var client in send.ClientIds) args[i++] = client;
            }
            return _eval(args);
        }
        catch (Exception e)
        {
            return Task.FromException<RespValue>(e);
        }
    }

    private static void Complete(List<DirectSend> batch, RespValue? reply, Exception? error)
    {
        for (var m = 0; m < batch.Count; m++)
        {
            var send = batch[m];
            send.Registration.Dispose();
            if (error is not null)
            {
                send.Completion.TrySetException(error);
                continue;
            }
            try
            {
                var items = reply!.Items;
                var nodes = items[2 * m];
                if (nodes.IsError)
                {
                    send.Completion.TrySetException(new RedisServerException(nodes.AsString()!));
                    continue;
                }
                var offline = items[2 * m + 1].Items;
                var offlineIds = new List<string>(offline.Count);
                for (var i = 0; i < offline.Count; i++) offlineIds.Add(offline[i].AsString()!);
                send.Completion.TrySetResult(new ClientsPublishResult(RedisBackplane.SortedStrings(nodes), offlineIds));
            }
            catch (Exception e)
            {
                // A reply of the wrong shape: say so to this caller rather than leave it waiting.
                send.Completion.TrySetException(e);
            }
        }
    }

    private enum SendState
    {
        Queued,
        Sent,
        Cancelled,
    }

    private sealed class DirectSend(DirectSendBatcher owner, string[] clientIds, byte[] openHeader, ReadOnlyMemory<byte> frame, StreamRetention retention)
    {
        public string[] ClientIds { get; } = clientIds;

        public byte[] OpenHeader { get; } = openHeader;

        public ReadOnlyMemory<byte> Frame { get; } = frame;

        public StreamRetention Retention { get; } = retention;

        /// <summary>About the bytes of its arguments (ids counted as one byte a char; close enough for a cap).</summary>
        public long Bytes { get; } = openHeader.Length + frame.Length + Sum(clientIds) + ((3L + clientIds.Length) * ArgOverhead);

        /// <summary>Completed from a work item of its own batch (see <see cref="RunAsync"/>), so continuations run inline there.</summary>
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
