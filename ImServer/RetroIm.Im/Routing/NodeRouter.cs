namespace RetroIm.Im.Routing;

/// <summary>
/// Picks the node that owns a clientId by rendezvous (highest-random-weight) hashing: every node scores
/// hash(nodeId, clientId) and the highest wins. Unlike <c>clientId % servers.Length</c> this is sign-safe for any
/// string id, does not depend on the order nodes are listed in, and adding a node moves only the clients whose new
/// highest score is on that node (about 1/N of them); removing one moves only its own clients.
/// </summary>
public static class NodeRouter
{
    public static T Pick<T>(string clientId, IReadOnlyList<T> nodes, Func<T, string> nodeId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (nodes.Count == 0) throw new InvalidOperationException("No live ImServer node is registered: start an ImServer node (or check ImHelper:Redis points at the cluster's Redis).");
        var best = nodes[0];
        var bestScore = StableHash.Hash(nodeId(best), clientId);
        for (var i = 1; i < nodes.Count; i++)
        {
            var score = StableHash.Hash(nodeId(nodes[i]), clientId);
            // Ties are practically impossible with 64 bits; break them by id so every process agrees anyway.
            if (score > bestScore || (score == bestScore && string.CompareOrdinal(nodeId(nodes[i]), nodeId(best)) > 0))
            {
                best = nodes[i];
                bestScore = score;
            }
        }
        return best;
    }
}
