using System.Text;
using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// Group commit for <see cref="RedisBackplane.PublishMessageToClientsAsync"/>: a send goes to Redis at once when no
/// batch is in flight; while one is, later sends queue and go out together, in call order, when it completes. A batch
/// of kept messages is one <see cref="RedisScripts.PublishMessagesToClients"/> call (each message appended to its
/// receivers' histories and published, atomically); a batch of messages not kept is a pipeline of plain commands, one
/// HKEYS per receiver and then one PUBLISH per node holding any of them, which costs Redis about a third of the script
/// (no Lua, no conversion of each reply into Lua and back). A script call costs Redis far more than the commands in it,
/// so under load batching nearly halves Redis's CPU per kept message; at a low rate nothing waits.
/// </summary>
/// <remarks>
/// <para>Under heavy load (a full batch waiting) more batches, up to <see cref="MaxInFlight"/> in all, are pipelined
/// behind the one in flight, so Redis starts on the next as soon as it finishes one instead of waiting a round trip
/// through this process. Every batch goes to Redis on one connection (<see cref="RedisClient.EvalInOrderAsync"/>,
/// <see cref="RedisClient.ExecuteInOrderAsync(RedisPipeline, CancellationToken)"/>) and is handed to it under the lock
/// that takes it from the queue, so batches run in call order: messages to the same client keep the order of the
/// calls. A batch not kept publishes only after its lookups returned: its publishes are handed over in batch order, and
/// a kept batch behind it waits until they were (lookups of later batches not kept may go ahead: they only read). A
/// kept batch that may have another behind it is sent with the script's source, because an EVALSHA answered NOSCRIPT
/// (after SCRIPT FLUSH) would be retried after the batch behind it; a batch sent alone uses the SHA1.</para>
/// <para>Not kept, a message reaches the nodes its receivers were on when their lookup ran, as with the script: a
/// connection that opens or closes meanwhile is the same race as one a moment earlier or later, and nothing is kept to
/// replay. When no one listens on a node's batch topic (a node older than batches) its messages are published one by
/// one on its inbox after the batch's reply; for such a node, order between those and kept messages is not kept.</para>
/// <para>Each caller gets its own result. A batch that fails as a whole (the connection lost with it in flight, a
/// timeout, connect refused) faults every caller in it with the same exception, so "it never reached Redis" is true of
/// all of them or of none; a message Redis rejects (a key of the wrong type) faults only its caller.</para>
/// <para>A batch's callers resume one after the other in one thread-pool work item (their continuations run inline
/// there): never on the thread that receives Redis's replies, and without a thread hop each.</para>
/// <para>Cancelling a caller that is still queued removes its message; once its batch was handed to Redis the caller
/// stops waiting but the message (and the others in the batch) still goes out, as for a single cancelled command.</para>
/// </remarks>
internal sealed class DirectSendBatcher
{
    /// <summary>At most this many messages per batch.</summary>
    internal const int MaxMessages = 64;

    /// <summary>At most about this many bytes of arguments per batch (a larger message goes alone).</summary>
    internal const int MaxBytes = 256 * 1024;

    /// <summary>At most this many receivers (stream appends, lookups) per batch (a message with more goes alone).</summary>
    internal const int MaxAppends = 1024;

    /// <summary>
    /// At most this many batches in flight: one, and under heavy load up to three more pipelined behind it, so Redis
    /// always has the next batch when it finishes one, even when this process is slow to be scheduled (with two, on a
    /// loaded 2-core machine Redis sat idle between batches and direct sends fell 15–25 % short of what four delivered).
    /// </summary>
    internal const int MaxInFlight = 4;

    // Per argument, beyond its bytes: RESP framing and Lua's copy.
    private const int ArgOverhead = 16;

    private readonly Func<RedisArg[], bool, Task<RespValue>> _eval;
    private readonly Func<RedisPipeline, Task<IReadOnlyList<RespValue>>> _pipeline;
    private readonly Func<StreamRetention, RedisArg[]> _streamArgs;
    private readonly string _clientPrefix;
    private readonly byte[] _clientPrefixUtf8;
    private readonly string _nodeTopicPrefix;
    private readonly string _nodeBatchTopicPrefix;
    private readonly Lock _gate = new();
    private readonly Queue<DirectSend> _queue = new();

    // Guarded by _gate: batches not kept whose lookups were handed to Redis and whose publishes were not yet, in the
    // order they were taken; batches handed to Redis and not yet done; whether another may go behind the last one
    // handed over (a kept one only when it carries the script's source, one not kept always).
    private readonly Queue<UnkeptBatch> _lookingUp = new();
    private int _inFlight;
    private bool _lastMayBeFollowed;
    private long _batches;
    private long _pipelined;
    private int _deepest;

    /// <param name="eval">
    /// Runs the script with these ARGV, with its source (true) or by SHA1; calls made one after the other must run in
    /// that order (<see cref="RedisClient.EvalInOrderAsync"/>), and the call must hand the command over before it returns.
    /// </param>
    /// <param name="pipeline">Runs plain commands on the same connection, in order with <paramref name="eval"/>'s calls (<see cref="RedisClient.ExecuteInOrderAsync(RedisPipeline, CancellationToken)"/>).</param>
    /// <param name="streamArgs">ARGV[1..5] of the append function for a retention (a fresh epoch each time).</param>
    public DirectSendBatcher(Func<RedisArg[], bool, Task<RespValue>> eval, Func<RedisPipeline, Task<IReadOnlyList<RespValue>>> pipeline, Func<StreamRetention, RedisArg[]> streamArgs, string clientPrefix, string nodeTopicPrefix, string nodeBatchTopicPrefix)
    {
        _eval = eval;
        _pipeline = pipeline;
        _streamArgs = streamArgs;
        _clientPrefix = clientPrefix;
        _clientPrefixUtf8 = Encoding.UTF8.GetBytes(clientPrefix);
        _nodeTopicPrefix = nodeTopicPrefix;
        _nodeBatchTopicPrefix = nodeBatchTopicPrefix;
    }

    /// <summary>Batches (script calls or pipelines) made so far; lets tests see that concurrent sends were coalesced.</summary>
    internal long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches handed to Redis while another was in flight; lets tests see the pipelining.</summary>
    internal long Pipelined => Interlocked.Read(ref _pipelined);

    /// <summary>The most batches that were in flight at once; lets tests see how deep the pipeline went.</summary>
    internal int Deepest => Volatile.Read(ref _deepest);

    /// <summary>Queues one message (receivers distinct, non-empty) and returns its own result.</summary>
    /// <param name="head">
    /// Kept: the packet's header without its closing brace (the script adds the positions), and <paramref name="frame"/>
    /// the frame. Not kept (<see cref="StreamRetention.IsNone"/>): the whole batch entry (<see cref="RelayBatch.Entry"/>),
    /// which goes to the nodes as it is, and <paramref name="frame"/> is empty.
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
                send.MarkSent();
                StartLocked([send], withSource: false);
            }
            else
            {
                _queue.Enqueue(send);
                ImMetrics.DirectQueuedChanged(1);
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
    /// to <see cref="MaxInFlight"/>) only when a full batch waits and the last one handed over may be followed. A kept
    /// batch carries the script's source when the queue still holds a full batch after it (heavy load: the next may go
    /// behind it), and waits while a batch not kept before it has not published yet.
    /// </summary>
    private void PumpLocked()
    {
        while (_inFlight == 0 || (_inFlight < MaxInFlight && _lastMayBeFollowed && _queue.Count >= MaxMessages))
        {
            var batch = TakeBatch(keptMayGo: _lookingUp.Count == 0);
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
        Interlocked.Increment(ref _batches);
        if (batch[0].Retention.IsNone)
        {
            // Plain commands are never retried, so anything may go behind them.
            _lastMayBeFollowed = true;
            var unkept = new UnkeptBatch(batch);
            _lookingUp.Enqueue(unkept);
            _ = LookUpAsync(unkept, Run(_pipeline, unkept.Lookups(_clientPrefixUtf8)));
            return;
        }
        _lastMayBeFollowed = withSource;
        _ = AwaitAsync(batch, Start(batch, withSource));
    }

    /// <summary>
    /// A kept batch: waits for the script's reply; then (before its callers are completed) hands what is queued to
    /// Redis as far as there is room, and completes the callers in one pool work item.
    /// </summary>
    private async Task AwaitAsync(List<DirectSend> batch, Task<RespValue> eval)
    {
        // Always after a yield: a call that failed at once (a disposed client) must not run the rest of this under
        // the caller's lock, where taking the next batch would recurse through the whole queue.
        await ((Task)eval).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        RespValue? reply = null;
        Exception? error = null;
        if (eval.IsCompletedSuccessfully) reply = eval.Result;
        else error = FailureOf(eval);
        lock (_gate)
        {
            _inFlight--;
            PumpLocked();
        }
        // Callers resume in one pool work item per batch, one after the other: not on the thread that receives
        // replies (a slow caller never delays the next batch) and without a thread hop per caller.
        ThreadPool.UnsafeQueueUserWorkItem(static state => Complete(state.Batch, state.Reply, state.Error), (Batch: batch, Reply: reply, Error: error), preferLocal: false);
    }

    /// <summary>
    /// A batch not kept, once its lookups returned: routes its messages, then hands the publishes of every batch at
    /// the head of <see cref="_lookingUp"/> whose lookups are done to Redis, in the order the batches were taken.
    /// </summary>
    private async Task LookUpAsync(UnkeptBatch batch, Task<IReadOnlyList<RespValue>> lookups)
    {
        // After a yield, as in AwaitAsync: never under the caller's lock.
        await ((Task)lookups).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        if (lookups.IsCompletedSuccessfully) batch.Route(lookups.Result, _nodeBatchTopicPrefix);
        else batch.Error = FailureOf(lookups);
        lock (_gate)
        {
            batch.LookedUp = true;
            while (_lookingUp.TryPeek(out var next) && next.LookedUp)
            {
                _lookingUp.Dequeue();
                _ = PublishAsync(next, next.Error is null && next.Publishes.Count > 0 ? Run(_pipeline, next.Publishes) : null);
            }
            // A kept batch may have waited for these publishes.
            PumpLocked();
        }
    }

    /// <summary>A batch not kept, its publishes handed over (or none): the older nodes' packets, then its callers.</summary>
    private async Task PublishAsync(UnkeptBatch batch, Task<IReadOnlyList<RespValue>>? publishes)
    {
        // Called under the lock: everything here runs after a yield.
        await ((Task?)publishes ?? Task.CompletedTask).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        if (publishes is not null)
        {
            if (publishes.IsCompletedSuccessfully)
            {
                // No one listens on these batch topics: nodes older than batches, which take each packet on their inbox.
                var older = batch.ForOlderNodes(publishes.Result, _nodeTopicPrefix);
                if (older is null)
                {
                    batch.Error = new RedisProtocolException($"PUBLISH answered {publishes.Result.Count} replies for {batch.Publishes.Count} commands.");
                }
                else if (older.Count > 0)
                {
                    var inboxes = Run(_pipeline, older);
                    await ((Task)inboxes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (!inboxes.IsCompletedSuccessfully) batch.Error = FailureOf(inboxes);
                }
            }
            else
            {
                batch.Error = FailureOf(publishes);
            }
        }
        lock (_gate)
        {
            _inFlight--;
            PumpLocked();
        }
        CompleteEach(batch.Sends, batch.Error);
    }

    private static Exception FailureOf(Task task) => task.Exception?.InnerException ?? new OperationCanceledException("The Redis call was cancelled.");

    /// <summary>A call that throws at once (a disposed client) becomes a faulted task, like one that fails later.</summary>
    private static Task<IReadOnlyList<RespValue>> Run(Func<RedisPipeline, Task<IReadOnlyList<RespValue>>> pipeline, RedisPipeline commands)
    {
        try
        {
            return pipeline(commands);
        }
        catch (Exception e)
        {
            return Task.FromException<IReadOnlyList<RespValue>>(e);
        }
    }

    /// <summary>
    /// Under the lock: the longest run of queued sends with one retention within the caps, or null. A kept send at
    /// the head stays queued unless <paramref name="keptMayGo"/>.
    /// </summary>
    private List<DirectSend>? TakeBatch(bool keptMayGo)
    {
        List<DirectSend>? batch = null;
        long bytes = 0, appends = 0;
        while (_queue.TryPeek(out var send))
        {
            if (send.State == SendState.Cancelled)
            {
                DequeueLocked();
                continue;
            }
            if (batch is null && !keptMayGo && !send.Retention.IsNone) break;
            if (batch is not null
                && (batch.Count == MaxMessages || bytes + send.Bytes > MaxBytes || appends + send.ClientIds.Length > MaxAppends
                    || !SameRetention(batch[0].Retention, send.Retention)))
            {
                break;
            }
            DequeueLocked();
            send.MarkSent();
            (batch ??= []).Add(send);
            bytes += send.Bytes;
            appends += send.ClientIds.Length;
        }
        return batch;
    }

    /// <summary>Under the lock: drops the head of the queue (the queue's gauge follows).</summary>
    private void DequeueLocked()
    {
        _queue.Dequeue();
        ImMetrics.DirectQueuedChanged(-1);
    }

    private static bool SameRetention(StreamRetention a, StreamRetention b) => a.MaxLength == b.MaxLength && a.MaxAge == b.MaxAge;

    private Task<RespValue> Start(List<DirectSend> batch, bool withSource)
    {
        try
        {
            var streamArgs = _streamArgs(batch[0].Retention);
            var count = streamArgs.Length + 3;
            foreach (var send in batch) count += 3 + send.ClientIds.Length;
            var args = new RedisArg[count];
            streamArgs.CopyTo(args, 0);
            var i = streamArgs.Length;
            args[i++] = _clientPrefix;
            args[i++] = _nodeTopicPrefix;
            args[i++] = _nodeBatchTopicPrefix;
            foreach (var send in batch)
            {
                args[i++] = send.Head;
                args[i++] = send.Frame;
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
        if (error is null)
        {
            try
            {
                var items = reply!.Items;
                var at = 0;
                foreach (var send in batch)
                {
                    var nodeCount = items[at++].AsInt64();
                    if (nodeCount < 0)
                    {
                        send.Error = new RedisServerException(items[at++].AsString()!);
                        continue;
                    }
                    var nodes = ReadStrings(items, ref at, nodeCount);
                    var offline = ReadStrings(items, ref at, items[at++].AsInt64());
                    if (nodes.Length > 1) Array.Sort(nodes, StringComparer.Ordinal);
                    send.Result = new ClientsPublishResult(nodes, offline);
                }
            }
            catch (Exception e)
            {
                // A reply of the wrong shape: say so to every caller rather than leave one waiting.
                error = e;
            }
        }
        CompleteEach(batch, error);
    }

    /// <summary>Completes every caller of a batch: with the batch's error, else with its own result or error.</summary>
    private static void CompleteEach(List<DirectSend> batch, Exception? error)
    {
        foreach (var send in batch)
        {
            send.Registration.Dispose();
            if (error is not null) send.Completion.TrySetException(error);
            else if (send.Error is not null) send.Completion.TrySetException(send.Error);
            else send.Completion.TrySetResult(send.Result!);
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

        /// <summary>When it was sent (<see cref="ImMetrics.DirectSendStarted"/>), for its wait in the queue; 0 while not measured.</summary>
        public long StartedAt { get; } = ImMetrics.DirectSendStarted();

        /// <summary>About the bytes of its arguments (ids counted as one byte a char; close enough for a cap).</summary>
        public long Bytes { get; } = head.Length + frame.Length + Sum(clientIds) + ((3L + clientIds.Length) * ArgOverhead);

        /// <summary>Completed from a work item of its own batch (see <see cref="AwaitAsync"/>), so continuations run inline there.</summary>
        public TaskCompletionSource<ClientsPublishResult> Completion { get; } = new();

        /// <summary>Read and written under the batcher's lock.</summary>
        public SendState State { get; set; }

        /// <summary>Under the batcher's lock: it goes to Redis in the next batch, and its wait in the queue ends.</summary>
        public void MarkSent()
        {
            State = SendState.Sent;
            ImMetrics.DirectSendTaken(StartedAt);
        }

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>Once its batch returned: what it reached, or why Redis rejected it alone.</summary>
        public ClientsPublishResult? Result { get; set; }

        public Exception? Error { get; set; }

        public void Cancel(CancellationToken token) => owner.Cancel(this, token);

        private static long Sum(string[] ids)
        {
            long total = 0;
            foreach (var id in ids) total += id.Length;
            return total;
        }
    }

    /// <summary>
    /// A batch of messages not kept: one HKEYS per distinct receiver, then per node holding any of them one PUBLISH of
    /// its messages' entries, in message order, on its batch topic.
    /// </summary>
    private sealed class UnkeptBatch(List<DirectSend> sends)
    {
        // Per node reached, in order of first use: its messages' entries, in message order.
        private readonly List<(string Node, List<byte[]> Entries)> _nodes = [];

        public List<DirectSend> Sends { get; } = sends;

        /// <summary>Set under the batcher's lock once the lookups returned (and <see cref="Route"/> ran).</summary>
        public bool LookedUp { get; set; }

        /// <summary>The batch failed as a whole: every caller gets this.</summary>
        public Exception? Error { get; set; }

        /// <summary>One PUBLISH per node reached, in <see cref="_nodes"/>' order (empty until <see cref="Route"/>).</summary>
        public RedisPipeline Publishes { get; } = new();

        /// <summary>
        /// The presence lookups: HKEYS of each message's receivers' connections, in message order (a client in two
        /// messages of the batch is looked up twice: cheaper than finding out, and rare).
        /// </summary>
        public RedisPipeline Lookups(byte[] clientPrefix)
        {
            var lookups = new RedisPipeline();
            foreach (var send in Sends)
            {
                foreach (var client in send.ClientIds)
                {
                    lookups.Add("HKEYS", RedisArg.Prefixed(clientPrefix, client));
                }
            }
            return lookups;
        }

        /// <summary>
        /// From the lookups' replies: each message's result (or its error: a receiver's key of the wrong type, and then
        /// it is not published) and <see cref="Publishes"/>.
        /// </summary>
        public void Route(IReadOnlyList<RespValue> held, string batchTopicPrefix)
        {
            try
            {
                var nodeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
                // The send's first lookup in the replies.
                var first = 0;
                foreach (var send in Sends)
                {
                    var lookup = first;
                    first += send.ClientIds.Length;
                    var rejected = Rejection(send, held, lookup);
                    if (rejected is not null)
                    {
                        send.Error = rejected;
                        continue;
                    }
                    if (send.ClientIds.Length == 1)
                    {
                        // The common case: no lists to merge nodes in.
                        var client = send.ClientIds[0];
                        var items = held[lookup].Items;
                        var at = new string[items.Count];
                        for (var k = 0; k < at.Length; k++) at[k] = Reach(nodeIndex, items[k].AsString()!, send);
                        if (at.Length > 1) Array.Sort(at, StringComparer.Ordinal);
                        send.Result = new ClientsPublishResult(at, at.Length == 0 ? [client] : []);
                        continue;
                    }
                    List<string>? nodes = null, offline = null;
                    foreach (var client in send.ClientIds)
                    {
                        var items = held[lookup++].Items;
                        if (items.Count == 0) (offline ??= []).Add(client);
                        foreach (var item in items)
                        {
                            var node = item.AsString()!;
                            if (nodes?.Contains(node) == true) continue;
                            (nodes ??= []).Add(Reach(nodeIndex, node, send));
                        }
                    }
                    if (nodes is { Count: > 1 }) nodes.Sort(StringComparer.Ordinal);
                    send.Result = new ClientsPublishResult(nodes is null ? [] : [.. nodes], offline is null ? [] : [.. offline]);
                }
                foreach (var (node, entries) in _nodes) Publishes.Add("PUBLISH", batchTopicPrefix + node, RedisArg.Concat(entries));
            }
            catch (Exception e)
            {
                // A reply of the wrong shape: nothing is published and every caller hears why.
                Error = e;
            }
        }

        /// <summary>
        /// From the publishes' replies: one PUBLISH per packet (the entry without its length line) on the inbox of each
        /// node no one listened for on its batch topic.
        /// </summary>
        public RedisPipeline? ForOlderNodes(IReadOnlyList<RespValue> received, string nodeTopicPrefix)
        {
            // (A reply of another length cannot come from these commands: null, so every caller hears it, never a hang.)
            if (received.Count != _nodes.Count) return null;
            var older = new RedisPipeline();
            for (var i = 0; i < _nodes.Count; i++)
            {
                if (received[i].Type != RespType.Integer || received[i].AsInt64() != 0) continue;
                foreach (var entry in _nodes[i].Entries)
                {
                    older.Add("PUBLISH", nodeTopicPrefix + _nodes[i].Node, (ReadOnlyMemory<byte>)entry.AsMemory(Array.IndexOf(entry, (byte)'\n') + 1));
                }
            }
            return older;
        }

        /// <summary>Queues the message's entry for <paramref name="node"/> (once per message); returns the node.</summary>
        private string Reach(Dictionary<string, int> nodeIndex, string node, DirectSend send)
        {
            if (!nodeIndex.TryGetValue(node, out var at))
            {
                at = nodeIndex[node] = _nodes.Count;
                _nodes.Add((node, []));
            }
            _nodes[at].Entries.Add(send.Head);
            return node;
        }

        /// <summary>Why Redis rejected one of a message's lookups, if it did.</summary>
        private static Exception? Rejection(DirectSend send, IReadOnlyList<RespValue> held, int first)
        {
            for (var i = 0; i < send.ClientIds.Length; i++)
            {
                var reply = held[first + i];
                if (reply.IsError) return new RedisServerException(reply.AsString()!);
                if (reply.Type != RespType.Array || reply.IsNull) return new RedisProtocolException($"HKEYS answered {reply}.");
            }
            return null;
        }
    }
}
