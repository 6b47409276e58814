using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Routing;

/// <summary>The local members of one channel; mutated only under <see cref="LocalIndex"/>'s lock.</summary>
internal sealed class LocalChan
{
    public HashSet<LocalClient> Members { get; } = [];

    /// <summary>
    /// Every connection of every member, rebuilt lazily after a change, so a fan-out is one pass over one array and a
    /// burst of joins costs one rebuild, not one per join.
    /// </summary>
    public RelayConnection[]? Snapshot { get; set; }
}
