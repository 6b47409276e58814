using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Diagnostics;
using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Keeps every connection's positioned streams gap-free (README "Delivery guarantees"). On connect: the welcome carries
/// the current position of each of the client's streams (read after the node subscribed them), and for each position the
/// client presented in the connect URL's <c>recover</c> parameter — its own stream <c>c:{clientId}</c> and the streams
/// <c>ch:{chan}</c> of its channels — the node replays the entries after it, in order, then sends <c>recovered</c>; a
/// stream whose epoch changed or whose gap is beyond the retention gets <c>recover_failed</c> instead. While connected:
/// when the backplane lost messages (a live frame skips offsets, or the subscription was restored after Redis went
/// away) the connection catches up from the streams the same way, holding live frames meanwhile.
/// </summary>
/// <remarks>
/// <see cref="Prepare"/> runs before the connection is indexed and makes it hold live positioned frames;
/// <see cref="WelcomeAsync"/> and <see cref="RunInBackground"/> run after registration (membership known, channel
/// topics subscribed), so anything published before a stream's read is in the read, anything after arrives live, and
/// overlaps are dropped by offset (<see cref="RecoveryGate"/>).
/// </remarks>
internal sealed class StreamRecovery : IDisposable
{
    /// <summary>Catch-up rounds before giving up on a connection (each round reads what the previous one left).</summary>
    private const int MaxRounds = 8;

    /// <summary>Connections caught up at once after a resubscription, so Redis is not flooded.</summary>
    private const int CatchUpConcurrency = 16;

    /// <summary>The waits before the second and the third read of a presented position Redis did not answer.</summary>
    private static readonly TimeSpan[] ReadRetryDelays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)];

    /// <summary>
    /// The waits between catch-up reads Redis did not answer, about a minute in all. A catch-up often runs because Redis
    /// went away (the subscription was restored), and Redis may go away again while it reads: the connection stays
    /// open with its live frames held (up to the send queue's limit; none arrive while Redis is away), and only after
    /// these is it closed for the client to recover on reconnect.
    /// </summary>
    private static readonly TimeSpan[] CatchUpRetryDelays =
    [
        TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8),
        TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8),
    ];

    private readonly IImBackplane _backplane;
    private readonly LocalIndex _index;
    private readonly ILogger<StreamRecovery> _logger;
    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _catchUpSlots = new(CatchUpConcurrency);

    public StreamRecovery(IImBackplane backplane, LocalIndex index, RelayMetrics metrics, TimeProvider time, ILogger<StreamRecovery> logger)
    {
        _metrics = metrics;
        _time = time;
        _backplane = backplane;
        _index = index;
        _logger = logger;
        _backplane.Resubscribed += CatchUpAll;
    }

    /// <summary>
    /// Makes the connection hold live positioned frames until its welcome positions are known, and parses the parameter.
    /// Returns the presented positions (empty when none), with <paramref name="failure"/> set to a
    /// <c>recover_failed</c> frame when the parameter was there but invalid.
    /// </summary>
    public RecoverPosition[] Prepare(RelayConnection connection, string? parameter, int holdLimit, out byte[]? failure)
    {
        failure = null;
        connection.BeginRecovery(holdLimit);
        connection.Recovery = this;
        if (string.IsNullOrEmpty(parameter)) return [];
        var positions = RecoverRequest.Parse(parameter, out var error);
        if (positions is null)
        {
            RelayLog.BadClientFrame(_logger, connection.ConnectionId, error);
            _metrics.Recovery(RecoveryFrames.Invalid);
            failure = RecoveryFrames.Failed("", RecoveryFrames.Invalid, null, 0);
            return [];
        }
        return positions;
    }

    /// <summary>
    /// The welcome frame with the current position of each of the client's streams; called after registration, so a
    /// message published after a position was read reaches the connection live. Streams the client did not present
    /// start at their position (live frames up to it are dropped). Without the backplane the welcome has no positions.
    /// </summary>
    public async Task<byte[]> WelcomeAsync(RelayConnection connection, IReadOnlyList<string> chans, RecoverPosition[] presented, string nodeId, CancellationToken cancellationToken)
    {
        var streams = new List<string>(chans.Count + 1) { ImStreams.Client(connection.ClientId) };
        foreach (var chan in chans) streams.Add(ImStreams.Chan(chan));
        IReadOnlyList<StreamPosition> positions;
        try
        {
            positions = await _backplane.GetStreamPositionsAsync(streams, cancellationToken);
        }
        catch (Exception e)
        {
            // Also when the client went away meanwhile: the send loop then ends at once.
            RecoveryLog.PositionsFailed(_logger, connection.ConnectionId, e);
            return ClientFrames.Welcome(connection.ClientId, connection.ConnectionId, nodeId);
        }
        var gate = connection.Gate!;
        for (var i = 0; i < streams.Count; i++)
        {
            if (!IsPresented(presented, streams[i])) gate.Announce(streams[i], positions[i].Epoch, positions[i].Offset);
        }
        return ClientFrames.Welcome(connection.ClientId, connection.ConnectionId, nodeId, streams, positions);
    }

    /// <summary>Replays what the client presented, then releases the held live frames; never throws.</summary>
    public void RunInBackground(RelayConnection connection, RecoverPosition[] positions, CancellationToken cancellationToken) =>
        _ = Task.Run(() => RunAsync(connection, positions, cancellationToken), CancellationToken.None);

    /// <summary>Starts a catch-up of the streams the connection's gate marked (it holds live frames until done).</summary>
    public void CatchUpInBackground(RelayConnection connection) =>
        _ = Task.Run(() => GuardedAsync(connection, () => CatchUpAsync(connection, CancellationToken.None)), CancellationToken.None);

    /// <summary>
    /// The backplane may have lost messages while unsubscribed, or sent this node none while it had forgotten the node:
    /// every connection reads its streams back (in the background, a few at a time).
    /// </summary>
    public void CatchUpAll()
    {
        var connections = _index.GetAllConnections();
        if (connections.Length == 0) return;
        RecoveryLog.CatchingUp(_logger, connections.Length);
        foreach (var connection in connections)
        {
            if (connection.Gate is not { } gate || !gate.RequestCatchUpAll()) continue;
            _ = Task.Run(() => GuardedAsync(connection, async () =>
            {
                await _catchUpSlots.WaitAsync();
                try
                {
                    await CatchUpAsync(connection, CancellationToken.None);
                }
                finally
                {
                    _catchUpSlots.Release();
                }
            }), CancellationToken.None);
        }
    }

    private async Task RunAsync(RelayConnection connection, RecoverPosition[] positions, CancellationToken cancellationToken)
    {
        await GuardedAsync(connection, async () =>
        {
            if (positions.Length > 0) await ReplayPresentedAsync(connection, positions, cancellationToken);
            await CatchUpAsync(connection, cancellationToken);
        });
    }

    private async Task ReplayPresentedAsync(RelayConnection connection, RecoverPosition[] positions, CancellationToken cancellationToken)
    {
        var recovered = new List<(string, string, long, int)>(positions.Length);
        foreach (var position in positions)
        {
            if (!IsMember(connection, position.Stream))
            {
                _metrics.Recovery(RecoveryFrames.NotMember);
                await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(position.Stream, RecoveryFrames.NotMember, null, 0), cancellationToken);
                continue;
            }
            StreamReadResult read;
            try
            {
                read = await ReadPresentedAsync(connection, position, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RecoveryLog.ReadFailed(_logger, position.Stream, connection.ConnectionId, e);
                _metrics.Recovery(RecoveryFrames.Unavailable);
                await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(position.Stream, RecoveryFrames.Unavailable, null, 0), cancellationToken);
                continue;
            }
            if (await ReplayAsync(connection, position.Stream, read, cancellationToken)) recovered.Add((position.Stream, read.Epoch!, read.LastOffset, read.Entries.Count));
        }
        await connection.EnqueueInOrderAsync(RecoveryFrames.Recovered(recovered), cancellationToken);
        RecoveryLog.Recovered(_logger, connection.ConnectionId, connection.ClientId, recovered.Count, positions.Length - recovered.Count);
    }

    /// <summary>
    /// Reads what the client missed after a presented position. When Redis did not answer (a timeout or a lost
    /// connection: in a reconnect storm a read can wait past the command timeout behind everyone else's) the read is
    /// tried again after <see cref="ReadRetryDelays"/>, as a read changes nothing; only then does the client get
    /// <c>recover_failed</c> / <c>unavailable</c>. A refusal is not retried.
    /// </summary>
    private Task<StreamReadResult> ReadPresentedAsync(RelayConnection connection, RecoverPosition position, CancellationToken cancellationToken) =>
        ReadRetryingAsync(connection, position, ReadRetryDelays, cancellationToken);

    /// <summary>
    /// Reads a stream after a position, again after each of <paramref name="delays"/> while Redis does not answer; stops
    /// (<see cref="OperationCanceledException"/>) once the connection is gone, as nobody waits for the read any more.
    /// </summary>
    private Task<StreamReadResult> ReadRetryingAsync(
        RelayConnection connection, RecoverPosition position, TimeSpan[] delays, CancellationToken cancellationToken) =>
        RedisOutage.RetryReadAsync(
            ct => _backplane.ReadStreamAsync(position.Stream, position.Epoch, position.Offset, ct),
            delays,
            _time,
            (retry, e) =>
            {
                if (!_index.Contains(connection)) throw new OperationCanceledException("the connection closed while Redis was away");
                RecoveryLog.ReadRetrying(_logger, position.Stream, connection.ConnectionId, retry, e.Message);
                _metrics.RecoveryReadRetried();
            },
            cancellationToken);

    /// <summary>Releases held frames; whenever the gate asks for it, reads back the marked streams first.</summary>
    private async Task CatchUpAsync(RelayConnection connection, CancellationToken cancellationToken)
    {
        var gate = connection.Gate!;
        for (var round = 0; !await connection.EndRecoveryAsync(cancellationToken); round++)
        {
            if (round == MaxRounds) throw new InvalidOperationException($"still missing messages after {MaxRounds} catch-up rounds");
            foreach (var position in gate.TakePending())
            {
                // A channel the client left since: what was published there is not its to catch up.
                if (!IsMember(connection, position.Stream)) continue;
                var read = await ReadRetryingAsync(connection, position, CatchUpRetryDelays, cancellationToken);
                await ReplayAsync(connection, position.Stream, read, cancellationToken);
            }
        }
    }

    /// <summary>Queues the entries of a read (true), or <c>recover_failed</c> (false); the gate learns the stream's position.</summary>
    private async Task<bool> ReplayAsync(RelayConnection connection, string stream, StreamReadResult read, CancellationToken cancellationToken)
    {
        var gate = connection.Gate!;
        if (read.Status != StreamReadStatus.Ok)
        {
            var reason = read.Status == StreamReadStatus.Expired ? RecoveryFrames.Expired : RecoveryFrames.EpochChanged;
            RecoveryLog.Failed(_logger, stream, connection.ConnectionId, reason);
            _metrics.Recovery(reason);
            await connection.EnqueueInOrderAsync(RecoveryFrames.Failed(stream, reason, read.Epoch, read.LastOffset), cancellationToken);
            if (read.Epoch is not null) gate.Replayed(stream, read.Epoch, read.LastOffset);
            return false;
        }
        foreach (var entry in read.Entries)
        {
            if (!entry.Frame.Span.StartsWith(FramePositions.MessagePrefix)) continue;
            var frame = FramePositions.Splice(entry.Frame.Span, stream, read.Epoch!, entry.Offset);
            await connection.EnqueueReplayAsync(frame, stream, read.Epoch!, entry.Offset, cancellationToken);
        }
        gate.Replayed(stream, read.Epoch!, read.LastOffset);
        _metrics.Recovery("recovered", read.Entries.Count);
        return true;
    }

    /// <summary>Runs a replay or catch-up; a closed connection just ends it, any other failure closes the connection.</summary>
    private async Task GuardedAsync(RelayConnection connection, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // The connection closed meanwhile: nothing left to do.
        }
        catch (Exception e)
        {
            // The client reconnects and recovers with the positions it has: nothing is lost, only a reconnect.
            RecoveryLog.CatchUpFailed(_logger, connection.ConnectionId, e);
            connection.Close(ImCloseCodes.TryAgainLater, "recovery failed, reconnect");
        }
    }

    private static bool IsPresented(RecoverPosition[] presented, string stream)
    {
        foreach (var position in presented)
        {
            if (string.Equals(position.Stream, stream, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private bool IsMember(RelayConnection connection, string stream)
    {
        if (stream.StartsWith(ImStreams.ClientPrefix, StringComparison.Ordinal))
        {
            return string.Equals(stream, ImStreams.Client(connection.ClientId), StringComparison.Ordinal);
        }
        if (!stream.StartsWith(ImStreams.ChanPrefix, StringComparison.Ordinal)) return false;
        // Membership as this node knows it (merged from AddConnectionAsync before the replay starts).
        return Array.IndexOf(_index.GetChanConnections(stream[ImStreams.ChanPrefix.Length..]), connection) >= 0;
    }

    public void Dispose()
    {
        _backplane.Resubscribed -= CatchUpAll;
        _catchUpSlots.Dispose();
    }
}
