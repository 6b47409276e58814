using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    private const int StreamArgCount = 5;

    /// <summary>How long a sequence started by <see cref="GetStreamPositionsAsync"/> lives unused (appends extend it).</summary>
    internal static readonly TimeSpan SequenceTtl = TimeSpan.FromHours(24);

    /// <remarks>
    /// Concurrent calls are coalesced (<see cref="DirectSendBatcher"/>): one goes to Redis at once, those made while it
    /// is in flight go together when it completes, in call order: kept, as one script call; not kept, as one pipeline of
    /// lookups and then one PUBLISH per node.
    /// </remarks>
    public Task<ClientsPublishResult> PublishMessageToClientsAsync(IReadOnlyList<string> clientIds, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default)
    {
        // Not async: one state machine less per message. Argument errors still come back as a faulted task.
        try
        {
            ArgumentNullException.ThrowIfNull(clientIds);
            ArgumentNullException.ThrowIfNull(header);
            ArgumentNullException.ThrowIfNull(retention);
            if (clientIds.Count == 0) return Task.FromResult(new ClientsPublishResult([], []));
            // Checked here, so a bad argument faults this call only, never the batch it would join.
            ArgumentOutOfRangeException.ThrowIfNegative(retention.MaxLength, nameof(retention));
            if (!retention.IsNone) _ = TtlMs(retention.MaxAge);
            var ids = new string[clientIds.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = clientIds[i] ?? throw new ArgumentNullException(nameof(clientIds), "A clientId is null.");
            // Not kept, the packet has no positions: made here whole, as the entry its nodes' batches carry.
            return retention.IsNone
                ? _directSends.SendAsync(ids, Entry(header, frame.Span), default, retention, cancellationToken)
                : _directSends.SendAsync(ids, OpenHeader(header), frame, retention, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<ClientsPublishResult>(e);
        }
    }

    /// <summary>ARGV[1..5] of the append function (<see cref="RedisScripts"/>) for one script call.</summary>
    private RedisArg[] StreamArgs(StreamRetention retention)
    {
        var args = new RedisArg[StreamArgCount];
        FillStreamArgs(args, retention);
        return args;
    }

    public async Task<StreamPosition> PublishChanMessageAsync(string chan, RelayHeader header, ReadOnlyMemory<byte> frame, StreamRetention retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chan);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(retention);
        // A channel message is always kept: its members recover by its position.
        ArgumentOutOfRangeException.ThrowIfLessThan(retention.MaxLength, 1, nameof(retention));
        var args = new RedisArg[StreamArgCount + 4];
        FillStreamArgs(args, retention);
        args[5] = _keys.Topic(ImTopics.Chan(chan));
        args[6] = ImStreams.Chan(chan);
        args[7] = OpenHeader(header);
        args[8] = frame;
        var reply = await _client.EvalAsync(RedisScripts.PublishChanMessage, [], args, cancellationToken).ConfigureAwait(false);
        return new StreamPosition(reply.Items[0].AsString()!, reply.Items[1].AsInt64());
    }

    public async Task<StreamReadResult> ReadStreamAsync(string stream, string epoch, long afterOffset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(epoch);
        RedisArg[] args = [_keys.SeqPrefix + stream, _keys.HistPrefix + stream, epoch, afterOffset];
        var reply = await _client.EvalAsync(RedisScripts.ReadStream, [], args, cancellationToken).ConfigureAwait(false);
        var status = reply.Items[0].AsString() switch
        {
            "ok" => StreamReadStatus.Ok,
            "expired" => StreamReadStatus.Expired,
            _ => StreamReadStatus.EpochChanged,
        };
        var current = reply.Items[1].AsString();
        var flat = reply.Items[3].Items;
        var entries = new StreamEntry[flat.Count / 2];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new StreamEntry(long.Parse(flat[2 * i].AsString()!, System.Globalization.CultureInfo.InvariantCulture), flat[2 * i + 1].AsBytes()!);
        }
        return new StreamReadResult(status, string.IsNullOrEmpty(current) ? null : current, reply.Items[2].AsInt64(), entries);
    }

    public async Task<IReadOnlyList<StreamPosition>> GetStreamPositionsAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0) return [];
        var args = new RedisArg[3 + 2 * streams.Count];
        args[0] = _keys.SeqPrefix;
        args[1] = _keys.HistPrefix;
        args[2] = (long)SequenceTtl.TotalMilliseconds;
        for (var i = 0; i < streams.Count; i++)
        {
            args[3 + 2 * i] = streams[i] ?? throw new ArgumentNullException(nameof(streams), "A stream is null.");
            args[4 + 2 * i] = NewEpoch();
        }
        var reply = await _client.EvalAsync(RedisScripts.StreamPositions, [], args, cancellationToken).ConfigureAwait(false);
        var items = reply.Items;
        var positions = new StreamPosition[streams.Count];
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = new StreamPosition(items[2 * i].AsString()!, long.Parse(items[2 * i + 1].AsString()!, System.Globalization.CultureInfo.InvariantCulture));
        }
        return positions;
    }

    /// <remarks>
    /// <see cref="StreamRetention.None"/> passes max entries 0, which the direct-send script reads as "append nothing,
    /// assign no position".
    /// </remarks>
    private void FillStreamArgs(RedisArg[] args, StreamRetention retention)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retention.MaxLength, nameof(retention));
        var none = retention.IsNone;
        args[0] = _keys.SeqPrefix;
        args[1] = _keys.HistPrefix;
        args[2] = retention.MaxLength;
        args[3] = none ? 0 : TtlMs(retention.MaxAge);
        args[4] = none ? "" : NewEpoch();
    }

    /// <summary>The header's JSON without its closing brace, so the script can add the positions it assigns.</summary>
    private static byte[] OpenHeader(RelayHeader header)
    {
        // Without its closing brace: the script appends the positions and closes it.
        return PooledJsonWriter.Write(WithoutPositions(header), WriteHeader, dropLast: 1);
    }

    /// <summary>The batch entry (<see cref="RelayBatch.Entry"/>) of a packet without positions.</summary>
    private static byte[] Entry(RelayHeader header, ReadOnlySpan<byte> frame) => PooledJsonWriter.WriteEntry(WithoutPositions(header), WriteHeader, frame);

    private static void WriteHeader(Utf8JsonWriter writer, RelayHeader header) => JsonSerializer.Serialize(writer, header, ImJsonContext.Default.RelayHeader);

    private static RelayHeader WithoutPositions(RelayHeader header) =>
        header.Epochs is null && header.Offsets is null ? header : header with { Epochs = null, Offsets = null };

    /// <summary>
    /// A candidate epoch for a sequence the script may have to create: random, so a sequence Redis lost restarts under
    /// an epoch no client has seen. Base64url, so the script can quote it in JSON as it is.
    /// </summary>
    internal static string NewEpoch() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9));
}
