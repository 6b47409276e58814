using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>
    /// KEYS: nodes, nodeinfo. ARGV: nodeId, ttl ms, NodeInfo JSON, "1" when draining, url, startedAtMs, node-changes
    /// channel. Returns 1 when the node was not registered. Publishes a <c>NodeChange</c> when what routing reads
    /// changed: the node is new (or its info had expired, or it restarted under the same id) — "joined" — or it began
    /// draining — "draining". A plain heartbeat publishes nothing.
    /// </summary>
    public static readonly LuaScript HeartbeatNode = ClockScript("""
        local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        local old = redis.call('GET', KEYS[2])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
        local draining = ARGV[4] == '1'
        local change = false
        -- Whatever was stored (even not JSON), the heartbeat itself must never fail: unreadable counts as new.
        local readable, before = false, nil
        if old then readable, before = pcall(cjson.decode, old) end
        if added == 1 or not readable or type(before) ~= 'table' then
          change = 'joined'
        else
          if (before.draining == true) ~= draining then
            change = draining and 'draining' or 'joined'
          elseif before.url ~= ARGV[5] or before.startedAtMs ~= tonumber(ARGV[6]) then
            change = 'joined'
          end
        end
        if change then redis.call('PUBLISH', ARGV[7], nodeChange(change, ARGV[1])) end
        return added
        """);

    /// <summary>KEYS: nodes. Returns the ids of nodes whose heartbeat expired.</summary>
    public static readonly LuaScript ExpiredNodes = ClockScript("""
        return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
        """);

    /// <summary>
    /// KEYS: nodes, silence. ARGV: node topic prefix, the calling node's id, timeout ms. Returns the ids of live-listed
    /// nodes nobody has been subscribed to the inbox topic of for at least the timeout: a node's subscriber connection
    /// is dropped by Redis the moment its process dies, long before its registration expires. The silence hash keeps,
    /// per silent node, "first,last" (Redis ms first and last seen silent); a node heard again loses its entry, and an
    /// entry no sweep renewed within 2 × timeout is an earlier silence, restarted. Judges nothing (returns none) while
    /// the caller is not subscribed to its own inbox: it cannot tell a dead peer from its own lost connection.
    /// </summary>
    public static readonly LuaScript SilentNodes = ClockScript("""
        local topicPrefix, self, timeout = ARGV[1], ARGV[2], tonumber(ARGV[3])
        if redis.call('PUBSUB', 'NUMSUB', topicPrefix .. self)[2] == 0 then return {} end
        local listed, dead = {}, {}
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
          listed[id] = true
          if id ~= self then
            if redis.call('PUBSUB', 'NUMSUB', topicPrefix .. id)[2] > 0 then
              redis.call('HDEL', KEYS[2], id)
            else
              local first, last = string.match(redis.call('HGET', KEYS[2], id) or '', '^(%d+),(%d+)$')
              first, last = tonumber(first), tonumber(last)
              if not first or first > now or now - last > 2 * timeout then first = now end
              redis.call('HSET', KEYS[2], id, first .. ',' .. now)
              if now - first >= timeout then dead[#dead + 1] = id end
            end
          end
        end
        for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
          if not listed[id] then redis.call('HDEL', KEYS[2], id) end
        end
        return dead
        """);

    /// <summary>
    /// KEYS: nodes, silence. ARGV: nodeinfo prefix. Returns the NodeInfo JSON of unexpired nodes (nil when missing),
    /// leaving out nodes a sweep of <see cref="SilentNodes"/> found nobody listening to: a crashed node stops being
    /// routed to within about half the silence timeout, before it is reaped.
    /// </summary>
    public static readonly LuaScript LiveNodes = ClockScript("""
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        local infos = {}
        for _, id in ipairs(ids) do
          if redis.call('HEXISTS', KEYS[2], id) == 0 then infos[#infos + 1] = redis.call('GET', ARGV[1] .. id) or false end
        end
        return infos
        """);

    /// <summary>
    /// KEYS: nodes, nodeinfo, nodeclients, online, silence. ARGV: nodeId, mode, client key prefix, meta key prefix,
    /// events channel, node-changes channel, the node's inbox topic, silence timeout ms. Mode "0" removes the node (it
    /// deregisters); "1" reaps it only when its registration is still expired; "2" only when it is still listed, nobody
    /// listens on its inbox, and it has been silent for the timeout (<see cref="SilentNodes"/>). Drops the node and its
    /// connections; publishes offline for clients left with none, and a "left" <c>NodeChange</c> when the node was
    /// listed. Returns 1 when this call removed the node. Concurrent reapers cannot both fire: the first empties
    /// nodeclients, and the second finds the node gone from the ZSET.
    /// </summary>
    public static readonly LuaScript RemoveNode = ClockScript("""
        local node = ARGV[1]
        if ARGV[2] == '1' then
          local expiry = redis.call('ZSCORE', KEYS[1], node)
          -- Reaped by someone else already, or it heartbeated since it was listed.
          if not expiry or tonumber(expiry) > now then return 0 end
        elseif ARGV[2] == '2' then
          -- Reaped by someone else already, or it subscribed again since the sweep.
          if not redis.call('ZSCORE', KEYS[1], node) then return 0 end
          local first = tonumber(string.match(redis.call('HGET', KEYS[5], node) or '', '^(%d+),'))
          if not first or now - first < tonumber(ARGV[8]) or redis.call('PUBSUB', 'NUMSUB', ARGV[7])[2] > 0 then return 0 end
        end
        local removed = redis.call('ZREM', KEYS[1], node)
        redis.call('HDEL', KEYS[5], node)
        redis.call('DEL', KEYS[2])
        for _, client in ipairs(redis.call('HKEYS', KEYS[3])) do
          local clientKey = ARGV[3] .. client
          redis.call('HDEL', clientKey, node)
          if redis.call('EXISTS', clientKey) == 0 then
            local metaKey = ARGV[4] .. client
            local metadata = redis.call('GET', metaKey)
            redis.call('DEL', metaKey)
            redis.call('SREM', KEYS[4], client)
            redis.call('PUBLISH', ARGV[5], presence('offline', client, node, metadata))
          end
        end
        redis.call('DEL', KEYS[3])
        if removed == 1 then redis.call('PUBLISH', ARGV[6], nodeChange('left', node)) end
        return removed
        """);
}
