using System.Collections.Concurrent;
using System.Text.Json;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private readonly ConcurrentDictionary<string, PendingReceipt> _pendingReceipts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _receiptsGate = new(1, 1);
    private volatile bool _receiptsSubscribed;
    private StreamRetention? _retention;

    /// <summary>
    /// Sends a message to clients — FreeIM's <c>SendMessage</c>. It reaches every connection of every receiver (all
    /// their tabs and devices), on whichever nodes they are connected. Each receiver gets
    /// <c>{"type":"message","id":"…","from":sender,"chan":null,"ts":…,"data":message}</c>.
    /// </summary>
    /// <param name="senderClientId">Shown to receivers as <c>from</c>; null for a system message.</param>
    /// <param name="receiverClientIds">Receivers; duplicates are sent once.</param>
    /// <param name="message">
    /// The payload, as <c>data</c>: any object (System.Text.Json, see <see cref="ImHelperOptions.JsonSerializerOptions"/>),
    /// a <see cref="JsonElement"/>, UTF-8 JSON bytes (<c>byte[]</c> / <see cref="ReadOnlyMemory{T}"/>, sent verbatim), or a
    /// <see cref="string"/>, which is sent as a JSON string — parse JSON text into a <see cref="JsonElement"/> first to send it as an object.
    /// </param>
    /// <param name="receipt">
    /// True: wait until the nodes report which receivers' sockets the message was written to (at most
    /// <see cref="ImHelperOptions.ReceiptTimeout"/>) and return that, with the receivers that acknowledged it
    /// (<see cref="SendReceipt.Acked"/>, waited for up to <see cref="ImHelperOptions.AckTimeout"/>). False: return null
    /// once the publish is accepted.
    /// </param>
    /// <param name="cancellationToken">Cancels the publish or the wait for the receipt.</param>
    /// <returns>The receipt when <paramref name="receipt"/> is true, else null.</returns>
    public Task<SendReceipt?> SendMessageAsync(string? senderClientId, IEnumerable<string> receiverClientIds, object? message, bool receipt = false, CancellationToken cancellationToken = default)
    {
        // Not async (one state machine less per message on the hot path); bad arguments still fault the task.
        try
        {
            var (receivers, id, frame) = PrepareDirect(senderClientId, receiverClientIds, message);
            if (receivers.Count == 0) return Task.FromResult(receipt ? new SendReceipt(id, [], []) : null);
            return receipt
                ? PublishAwaitingReportsAsync(id, receivers, new RelayHeader(RelayPacketKind.Message, To: receivers), frame, cancellationToken)
                : PublishDirectAsync(receivers, id, frame, Retention, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<SendReceipt?>(e);
        }
    }

    /// <summary>
    /// Publishes a packet to the nodes holding any of <paramref name="receivers"/> and waits (at most
    /// <see cref="ImHelperOptions.ReceiptTimeout"/>) until each of them reports what it did: for a message, which
    /// sockets it wrote to; for join/leave, that its channel subscription is in place.
    /// </summary>
    private async Task<SendReceipt?> PublishAwaitingReportsAsync(string id, IReadOnlyList<string> receivers, RelayHeader header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        await EnsureReceiptsSubscribedAsync(cancellationToken).ConfigureAwait(false);
        var pending = new PendingReceipt(id, receivers);
        // Registered before publishing: a node may report before PublishToClientsAsync returns.
        _pendingReceipts[id] = pending;
        try
        {
            // A message is appended to streams, so it is retried only when it never reached Redis; a join/leave packet
            // the nodes apply twice changes nothing.
            var published = header.Kind == RelayPacketKind.Message
                ? await WhileRedisWaitsAsync(ct => _backplane.PublishMessageToClientsAsync(receivers, header with { Id = id, ReceiptTopic = ReceiptTopic }, body, Retention, ct), cancellationToken).ConfigureAwait(false)
                : await WhileRedisWaitsAsync(ct => _backplane.PublishToClientsAsync(receivers, RelayPacket.Write(header with { Id = id, ReceiptTopic = ReceiptTopic }, body.Span), ct), cancellationToken, idempotent: true).ConfigureAwait(false);
            pending.Expect(published.NodeIds);
            try
            {
                await pending.Completion.WaitAsync(_options.ReceiptTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var late = pending.ToReceipt();
                ImClientLog.ReceiptTimedOut(_logger, id, string.Join(",", late.SilentNodes), _options.ReceiptTimeout);
                return late;
            }
            if (_options.AckTimeout > TimeSpan.Zero && header.Kind == RelayPacketKind.Message)
            {
                try
                {
                    await pending.AllAcked.WaitAsync(_options.AckTimeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Receivers that did not acknowledge in time are written, not acked.
                }
            }
            return pending.ToReceipt();
        }
        finally
        {
            _pendingReceipts.TryRemove(id, out _);
        }
    }

    /// <summary>Sends a message to one client (every connection it has); see <see cref="SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>.</summary>
    public Task<SendReceipt?> SendMessageAsync(string? senderClientId, string receiverClientId, object? message, bool receipt = false, CancellationToken cancellationToken = default)
        => SendMessageAsync(senderClientId, [receiverClientId], message, receipt, cancellationToken);

    /// <summary>
    /// Sends a message that is not kept: it reaches the receivers' open connections and nothing else. It gets no
    /// position and goes into no client's stream, so a client that is offline, or reconnects and recovers, never gets
    /// it (as Socket.IO's volatile emit and Ably's ephemeral messages). For what is stale by the time a client comes
    /// back: typing indicators, cursors, progress. It costs Redis one presence lookup per receiver and, per batch of
    /// concurrent sends, one publish per node, as plain commands with no script and no history append (about an eighth
    /// of the work of <see cref="SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>).
    /// Receivers get the same <c>{"type":"message",…}</c> frame, without <c>pos</c>.
    /// </summary>
    /// <param name="senderClientId">Shown to receivers as <c>from</c>; null for a system message.</param>
    /// <param name="receiverClientIds">Receivers; duplicates are sent once.</param>
    /// <param name="message">The payload; the same forms as <see cref="SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    public Task SendEphemeralMessageAsync(string? senderClientId, IEnumerable<string> receiverClientIds, object? message, CancellationToken cancellationToken = default)
    {
        try
        {
            var (receivers, id, frame) = PrepareDirect(senderClientId, receiverClientIds, message);
            return receivers.Count == 0 ? Task.CompletedTask : PublishDirectAsync(receivers, id, frame, StreamRetention.None, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>Sends a message that is not kept to one client; see <see cref="SendEphemeralMessageAsync(string?, IEnumerable{string}, object?, CancellationToken)"/>.</summary>
    public Task SendEphemeralMessageAsync(string? senderClientId, string receiverClientId, object? message, CancellationToken cancellationToken = default)
        => SendEphemeralMessageAsync(senderClientId, [receiverClientId], message, cancellationToken);

    /// <summary>Checks the sender, de-duplicates the receivers and makes the frame every receiver gets.</summary>
    private (List<string> Receivers, string Id, byte[] Frame) PrepareDirect(string? senderClientId, IEnumerable<string> receiverClientIds, object? message)
    {
        if (senderClientId is not null) ValidateClientId(senderClientId, nameof(senderClientId));
        var receivers = DistinctClientIds(receiverClientIds, nameof(receiverClientIds));
        var (id, frame) = BuildFrame(senderClientId, chan: null, message);
        return (receivers, id, frame);
    }

    /// <summary>
    /// A direct message without a receipt (the result is always null): retried only while it never reached Redis
    /// (<see cref="WhileRedisWaitsAsync{T}"/>, with the first attempt made here so a send that succeeds at once
    /// allocates no delegate for the retries).
    /// </summary>
    private async Task<SendReceipt?> PublishDirectAsync(List<string> receivers, string id, byte[] frame, StreamRetention retention, CancellationToken cancellationToken)
    {
        var header = new RelayHeader(RelayPacketKind.Message, To: receivers, Id: id);
        var started = _time.GetTimestamp();
        try
        {
            await _backplane.PublishMessageToClientsAsync(receivers, header, frame, retention, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException e) when (IsOutage(e))
        {
            await RetryWhileRedisWaitsAsync(e, started, PublishDirectCall(receivers, header, frame, retention), cancellationToken, idempotent: false).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>The retries' call for <see cref="PublishDirectAsync"/>, made only after a failure (its closure is this method's).</summary>
    private Func<CancellationToken, Task<ClientsPublishResult>> PublishDirectCall(List<string> receivers, RelayHeader header, byte[] frame, StreamRetention retention)
        => ct => _backplane.PublishMessageToClientsAsync(receivers, header, frame, retention, ct);

    /// <summary>
    /// Sends a message to every online member of a channel — FreeIM's <c>SendChanMessage</c>. Members receive
    /// <c>{"type":"message",…,"chan":chan,…}</c>; the message costs one publish per node that holds members.
    /// The message gets the next position of the channel's stream and is retained (<see cref="ImHelperOptions.HistorySize"/>,
    /// <see cref="ImHelperOptions.HistoryTtl"/>), so a member that reconnects with its last position gets what it missed.
    /// </summary>
    /// <param name="senderClientId">Shown as <c>from</c>; null for a system message. The sender gets it too when it is a member.</param>
    /// <param name="chan">The channel.</param>
    /// <param name="message">The payload; the same forms as <see cref="SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    public async Task SendChanMessageAsync(string? senderClientId, string chan, object? message, CancellationToken cancellationToken = default)
    {
        if (senderClientId is not null) ValidateClientId(senderClientId, nameof(senderClientId));
        ValidateChan(chan);
        var (id, frame) = BuildFrame(senderClientId, chan, message);
        await WhileRedisWaitsAsync(ct => _backplane.PublishChanMessageAsync(chan, new RelayHeader(RelayPacketKind.Message, Chan: chan, Id: id), frame, Retention, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message to every connection on every node — FreeIM's <c>SendBroadcastMessage</c>. Receivers get
    /// <c>{"type":"message",…,"from":null,"chan":null,…}</c>.
    /// </summary>
    /// <param name="message">The payload; the same forms as <see cref="SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    public async Task SendBroadcastMessageAsync(object? message, CancellationToken cancellationToken = default)
    {
        var (id, frame) = BuildFrame(from: null, chan: null, message);
        var packet = RelayPacket.Write(new RelayHeader(RelayPacketKind.Message, Id: id), frame);
        await WhileRedisWaitsAsync(ct => _backplane.PublishAsync(ImTopics.All, packet, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The retention every positioned message is appended with.</summary>
    private StreamRetention Retention => _retention ??= new StreamRetention(Math.Max(1, _options.HistorySize), _options.HistoryTtl > TimeSpan.Zero ? _options.HistoryTtl : StreamRetention.Default.MaxAge);

    /// <summary>Serialises the payload once and wraps it in the client frame every receiver gets unchanged.</summary>
    private (string Id, byte[] Frame) BuildFrame(string? from, string? chan, object? message)
    {
        var data = ImMessageSerializer.ToUtf8Json(message, _options.JsonSerializerOptions);
        var now = _time.GetUtcNow();
        var id = MessageIds.New(now);
        // ToUtf8Json made or checked the payload: one JSON value, so the frame need not read it again.
        return (id, ClientFrames.Message(id, from, chan, now.ToUnixTimeMilliseconds(), data.Span, validated: true));
    }

    private async Task EnsureReceiptsSubscribedAsync(CancellationToken cancellationToken)
    {
        if (_receiptsSubscribed) return;
        await _receiptsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            if (_receiptsSubscribed) return;
            await WhileRedisWaitsAsync(ct => _backplane.SubscribeAsync(ReceiptTopic, OnReceiptReport, ct), cancellationToken, idempotent: true).ConfigureAwait(false);
            _receiptsSubscribed = true;
        }
        finally
        {
            _receiptsGate.Release();
        }
    }

    // Runs on the backplane's dispatch loop: parse, hand to the waiting send, return.
    private void OnReceiptReport(string topic, ReadOnlyMemory<byte> payload)
    {
        ReceiptReport? report;
        try
        {
            report = JsonSerializer.Deserialize(payload.Span, ImJsonContext.Default.ReceiptReport);
        }
        catch (JsonException e)
        {
            ImClientLog.BadReceiptReport(_logger, payload.Length, e);
            return;
        }
        if (report?.Id is null || report.Node is null || report.Written is null)
        {
            ImClientLog.BadReceiptReport(_logger, payload.Length, null);
            return;
        }
        // A report for a send that already returned (timed out or cancelled) is dropped.
        if (_pendingReceipts.TryGetValue(report.Id, out var pending)) pending.Report(report);
    }

    private async Task StopReceiptsAsync()
    {
        await _receiptsGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_receiptsSubscribed) return;
            _receiptsSubscribed = false;
            try
            {
                await _backplane.UnsubscribeAsync(ReceiptTopic).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ImClientLog.UnsubscribeFailed(_logger, ReceiptTopic, e);
            }
        }
        finally
        {
            _receiptsGate.Release();
        }
    }
}
