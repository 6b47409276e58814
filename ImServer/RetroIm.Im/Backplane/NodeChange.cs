namespace RetroIm.Im.Backplane;

/// <summary>
/// What the backplane publishes on <see cref="ImTopics.NodeChanges"/> when a node's routing changes, atomically with
/// the change: <c>{"type":"joined","node":"10.0.0.5:6001","ts":1733123456789}</c>.
/// </summary>
/// <param name="Type"><see cref="Joined"/>, <see cref="Draining"/> or <see cref="Left"/>.</param>
/// <param name="Node">The node's id.</param>
/// <param name="Ts">Unix milliseconds (Redis's clock) of the change.</param>
public sealed record NodeChange(string Type, string Node, long Ts)
{
    /// <summary>The node was not live before this heartbeat (first start, back after its info expired, or restarted under the same id).</summary>
    public const string Joined = "joined";

    /// <summary>The node began draining: routing skips it from now on.</summary>
    public const string Draining = "draining";

    /// <summary>The node deregistered (orderly shutdown) or was reaped after its heartbeat expired.</summary>
    public const string Left = "left";
}
