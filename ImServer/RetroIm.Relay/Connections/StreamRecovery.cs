using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Replays what a reconnecting client missed (README "Delivery guarantees"): for each position it presented in the
/// connect URL's <c>recover</c> parameter — its own stream <c>c:{clientId}</c> and the streams <c>ch:{chan}</c> of
/// channels it is a member of — the entries after that offset, in order, then <c>recovered</c>; a stream whose epoch
/// changed or whose gap is beyond the retention gets <c>recover_failed</c> instead.
/// </summary>
/// <remarks>
/// <see cref="Prepare"/> runs before the connection is indexed and makes it hold live positioned frames;
/// <see cref="RunInBackground"/> runs after registration (membership known, channel topics subscribed), so anything
/// published before a stream's read is in the read, anything after arrives live, and overlaps are dropped by offset.
/// </remarks>
internal sealed class StreamRecovery(IImBackplane backplane, LocalIndex index, ILogger<StreamRecovery> logger)
{
    /// <summary>
    /// Parses the parameter and, when it is valid, starts holding live frames. Returns the positions; null when there
    /// is nothing to recover, with <paramref name="failure"/> set to a <c>recover_failed</c> frame when the parameter
    /// was there but invalid.
    /// </summary>
    public RecoverPosition[]? Prepare(RelayConnection connection, string? parameter, int holdLimit, out byte[]? failure)
    {
        failure = null;
        if (string.IsNullOrEmpty(parameter)) return null;
        var positions = RecoverRequest.Parse(parameter, out var error);
        if (positions is null)
        {
            RelayLog.BadClientFrame(logger, connection.ConnectionId, error);
            failure = RecoveryFrames.Failed("", RecoveryFrames.Invalid, null, 0);
            return null;
        }
        connection.BeginRecovery(holdLimit);
        return positions;
    }

    /// <summary>Replays in the background; never throws (a closed connection just ends it).</summary>
    public void RunInBackground(RelayConnection connection, RecoverPosition[] positions, CancellationToken cancellationToken) =>
        _ = Task.Run(() => RunAsync(connection, positions, cancellationToken), CancellationToken.None);

    private async Task RunAsync(RelayConnection connection, RecoverPosition[] positions, CancellationToken cancellationToken)
    {
        try
        {
            var recovered = new List<(string, string, long, int)>(positions.Length);
            foreach (var position in positions)
            {
                if (!IsMember(connection, position.Stream))
                {
                    await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(position.Stream, RecoveryFrames.NotMember, null, 0), cancellationToken);
                    continue;
                }
                StreamReadResult read;
                try
                {
                    read = await backplane.ReadStreamAsync(position.Stream, position.Epoch, position.Offset, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    RecoveryLog.ReadFailed(logger, position.Stream, connection.ConnectionId, e);
                    await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(position.Stream, RecoveryFrames.Unavailable, null, 0), cancellationToken);
                    continue;
                }
                if (read.Status != StreamReadStatus.Ok)
                {
                    var reason = read.Status == StreamReadStatus.Expired ? RecoveryFrames.Expired : RecoveryFrames.EpochChanged;
                    RecoveryLog.Failed(logger, position.Stream, connection.ConnectionId, reason);
                    await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(position.Stream, reason, read.Epoch, read.LastOffset), cancellationToken);
                    continue;
                }
                foreach (var entry in read.Entries)
                {
                    if (!entry.Frame.Span.StartsWith(FramePositions.MessagePrefix)) continue;
                    var frame = FramePositions.Splice(entry.Frame.Span, position.Stream, read.Epoch!, entry.Offset);
                    await connection.EnqueueReplayAsync(frame, position.Stream, entry.Offset, cancellationToken);
                }
                recovered.Add((position.Stream, read.Epoch!, read.LastOffset, read.Entries.Count));
            }
            await connection.EnqueueInOrderAsync(RecoveryFrames.Recovered(recovered), cancellationToken);
            RecoveryLog.Recovered(logger, connection.ConnectionId, connection.ClientId, recovered.Count, positions.Length - recovered.Count);
            await connection.EndRecoveryAsync(cancellationToken);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // The connection closed during the replay: nothing left to do.
        }
        catch (Exception e)
        {
            RecoveryLog.Crashed(logger, connection.ConnectionId, e);
            connection.Close((int)System.Net.WebSockets.WebSocketCloseStatus.InternalServerError, "recovery failed, reconnect");
        }
    }

    private bool IsMember(RelayConnection connection, string stream)
    {
        if (stream.StartsWith(ImStreams.ClientPrefix, StringComparison.Ordinal))
        {
            return string.Equals(stream, ImStreams.Client(connection.ClientId), StringComparison.Ordinal);
        }
        if (!stream.StartsWith(ImStreams.ChanPrefix, StringComparison.Ordinal)) return false;
        // Membership as this node knows it (merged from AddConnectionAsync before the replay starts).
        return Array.IndexOf(index.GetChanConnections(stream[ImStreams.ChanPrefix.Length..]), connection) >= 0;
    }
}
