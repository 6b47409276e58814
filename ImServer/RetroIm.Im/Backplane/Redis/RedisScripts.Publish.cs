using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>
    /// ARGV: client key prefix, node channel prefix, packet, clientIds…. Publishes the packet once to every node holding
    /// any of the clients; returns {nodeIds, offline clientIds}, each without duplicates.
    /// </summary>
    public static readonly LuaScript PublishToClients = Script("""
        local seenClients, seenNodes, nodes, offline = {}, {}, {}, {}
        for i = 4, #ARGV do
          local client = ARGV[i]
          if not seenClients[client] then
            seenClients[client] = true
            local held = redis.call('HKEYS', ARGV[1] .. client)
            if #held == 0 then offline[#offline + 1] = client end
            for _, node in ipairs(held) do
              if not seenNodes[node] then
                seenNodes[node] = true
                nodes[#nodes + 1] = node
              end
            end
          end
        end
        for _, node in ipairs(nodes) do redis.call('PUBLISH', ARGV[2] .. node, ARGV[3]) end
        return {nodes, offline}
        """);
}
