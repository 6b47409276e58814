using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Routing;

/// <summary>A client with at least one connection on this node; mutated only under <see cref="LocalIndex"/>'s lock.</summary>
internal sealed class LocalClient(string id)
{
    public string Id { get; } = id;

    /// <summary>Replaced, never changed in place, so a fan-out can iterate it without the lock.</summary>
    public RelayConnection[] Connections { get; set; } = [];

    public HashSet<string> Chans { get; } = new(StringComparer.Ordinal);

    /// <summary>Connections whose <c>AddConnectionAsync</c> has not answered yet.</summary>
    public int PendingRegistrations { get; set; }

    /// <summary>
    /// Channels left while a registration was pending: the pending answer may still list them (it read membership
    /// before the leave), and must not bring them back.
    /// </summary>
    public HashSet<string>? LeftWhilePending { get; set; }
}
