using RetroIm.Im.Protocol;
using RetroIm.Im.Rights;
using RetroIm.Relay.Commands;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    private ClientRightSet _rights = ClientRightSet.Empty;
    private ClientCommand? _pendingCommand;

    /// <summary>What this connection may do by itself: from its ticket, then grants and revokes (swapped whole, never locked).</summary>
    public ClientRightSet Rights
    {
        get => Volatile.Read(ref _rights);
        set => Volatile.Write(ref _rights, value);
    }

    /// <summary>Carries out event/join/leave/publish frames; null: such frames are unknown types (a bare connection in tests).</summary>
    public ClientCommandHandler? Commands { get; set; }

    /// <summary>Applies a grant (<paramref name="grant"/>) or revoke; grants and revokes arrive one at a time from the dispatch loop.</summary>
    public void ChangeRights(IReadOnlyList<string> rights, bool grant)
        => Rights = grant ? Rights.With(rights) : Rights.Without(rights);

    /// <summary>
    /// Called by <c>Handle</c> for a frame whose type is not ping: true when it is a command frame, which is parsed now
    /// (the receive buffer goes back to the pool) and carried out by <see cref="RunPendingCommandAsync"/>.
    /// </summary>
    private bool TryTakeCommand(string type, ReadOnlySpan<byte> frame)
    {
        if (Commands is null || !ClientCommandReader.TryGetKind(type, out var kind)) return false;
        var command = ClientCommandReader.Read(kind, frame, out var ackId, out var error);
        if (command is null)
        {
            RelayLog.BadClientFrame(_logger, ConnectionId, error);
            TrySend(new OutFrame(ClientCommandFrames.Error(ImErrorCodes.BadRequest, error ?? "malformed frame", ackId)));
            return true;
        }
        _pendingCommand = command;
        return true;
    }

    /// <summary>
    /// Runs the command the last frame carried, if any. The receive loop awaits it, so one connection's commands run in
    /// order and a client that floods them is slowed to the backplane's pace.
    /// </summary>
    private Task RunPendingCommandAsync(CancellationToken cancellationToken)
    {
        var command = _pendingCommand;
        if (command is null || Commands is not { } commands) return Task.CompletedTask;
        _pendingCommand = null;
        return RunAsync(commands, command, cancellationToken);

        async Task RunAsync(ClientCommandHandler handler, ClientCommand pending, CancellationToken ct)
        {
            var reply = await handler.ExecuteAsync(this, pending, ct);
            if (reply is not null) TrySend(new OutFrame(reply));
        }
    }
}
