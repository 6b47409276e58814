using System.Buffers.Text;
using System.Text.Json;

namespace RetroIm.Client;

public sealed partial class ImConnection
{
    private readonly Dictionary<string, ImStreamPosition> _positions = new(StringComparer.Ordinal);

    /// <summary>
    /// The last position seen per stream. With <see cref="ImConnectionOptions.Recover"/> they are presented on every
    /// reconnect, and the relay replays what was missed before live messages, then sends <c>recovered</c> (or
    /// <c>recover_failed</c> per stream it cannot replay: refetch that state). A message at or below a seen position is
    /// dropped, never dispatched.
    /// </summary>
    public IReadOnlyList<ImStreamPosition> Positions
    {
        get
        {
            lock (_positions) return [.. _positions.Values];
        }
    }

    /// <summary>Forgets every position: the next connect replays nothing.</summary>
    public void ForgetPositions()
    {
        lock (_positions) _positions.Clear();
    }

    /// <summary>
    /// Acknowledges a direct message (<c>{"type":"ack","stream":"c:…","offset":N}</c>), so a sender waiting with
    /// <c>receipt: true</c> sees it in <c>SendReceipt.Acked</c>. Returns false for anything but a direct message.
    /// </summary>
    public async Task<bool> AckAsync(ImEnvelope message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Position is not { } pos || !pos.Stream.StartsWith("c:", StringComparison.Ordinal)) return false;
        await SendAsync(new AckFrame("ack", pos.Stream, pos.Offset), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The connect URL with <c>recover=</c> base64url JSON of the positions (unchanged when there are none).</summary>
    private Uri WithRecover(Uri url)
    {
        if (!_options.Recover) return url;
        ImStreamPosition[] positions;
        lock (_positions) positions = [.. _positions.Values];
        if (positions.Length == 0) return url;
        var json = JsonSerializer.SerializeToUtf8Bytes(Array.ConvertAll(positions, p => new RecoverPosition(p.Stream, p.Epoch, p.Offset)));
        var text = url.ToString();
        return new Uri(text + (text.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "recover=" + Base64Url.EncodeToString(json));
    }

    /// <summary>Keeps the positions up to date; false for a message already seen.</summary>
    private bool Track(ImEnvelope envelope)
    {
        lock (_positions)
        {
            switch (envelope.Type)
            {
                case "message" when envelope.Position is { } pos:
                    if (_positions.TryGetValue(pos.Stream, out var last) && last.Epoch == pos.Epoch && pos.Offset <= last.Offset) return false;
                    _positions[pos.Stream] = pos;
                    break;
                case "welcome" when envelope.Frame.TryGetProperty("streams", out var announced) && announced.ValueKind == JsonValueKind.Array:
                    // The node's positions of this client's streams: a stream that delivered nothing yet (a quiet
                    // channel, a fresh client) is then recovered after a disconnect too. Tracked ones are kept.
                    foreach (var s in announced.EnumerateArray())
                    {
                        if (ImEnvelope.ReadPosition(s) is { } p) _positions.TryAdd(p.Stream, p);
                    }
                    break;
                case "joined" when envelope.Frame.TryGetProperty("pos", out var joined) && ImEnvelope.ReadPosition(joined) is { } joinedAt:
                    // Joined a channel while connected: recovered even before its first message arrives.
                    _positions.TryAdd(joinedAt.Stream, joinedAt);
                    break;
                case "recovered" when envelope.Frame.TryGetProperty("streams", out var streams) && streams.ValueKind == JsonValueKind.Array:
                    foreach (var s in streams.EnumerateArray())
                    {
                        // Never backwards: during a drain move the old socket may already have delivered past the replay.
                        if (ImEnvelope.ReadPosition(s) is { } p && !(_positions.TryGetValue(p.Stream, out var seen) && seen.Epoch == p.Epoch && seen.Offset >= p.Offset)) _positions[p.Stream] = p;
                    }
                    break;
                case "recover_failed" when envelope.Frame.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.String:
                    // Continue from the stream's current position (the app refetches); without one, stop presenting it.
                    if (ImEnvelope.ReadPosition(envelope.Frame) is { } current) _positions[current.Stream] = current;
                    else _positions.Remove(stream.GetString()!);
                    break;
            }
        }
        return true;
    }

    private sealed record RecoverPosition(
        [property: System.Text.Json.Serialization.JsonPropertyName("stream")] string Stream,
        [property: System.Text.Json.Serialization.JsonPropertyName("epoch")] string Epoch,
        [property: System.Text.Json.Serialization.JsonPropertyName("offset")] long Offset);

    private sealed record AckFrame(
        [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
        [property: System.Text.Json.Serialization.JsonPropertyName("stream")] string Stream,
        [property: System.Text.Json.Serialization.JsonPropertyName("offset")] long Offset);
}
