using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>
    /// KEYS: client, nodeclients, meta, online, clientchans. ARGV: nodeId, clientId, "1" when metadata is given,
    /// metadata, events channel. Counts the connection, publishes online on the client's first one anywhere, and returns
    /// the client's channels.
    /// </summary>
    public static readonly LuaScript AddConnection = ClockScript("""
        local first = redis.call('EXISTS', KEYS[1]) == 0
        redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
        redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
        local metadata = false
        if ARGV[3] == '1' then
          metadata = ARGV[4]
          redis.call('SET', KEYS[3], metadata)
        else
          redis.call('DEL', KEYS[3])
        end
        if first then
          redis.call('SADD', KEYS[4], ARGV[2])
          redis.call('PUBLISH', ARGV[5], presence('online', ARGV[2], ARGV[1], metadata))
        end
        return redis.call('SMEMBERS', KEYS[5])
        """);

    /// <summary>
    /// KEYS: client, nodeclients, meta, online. ARGV: nodeId, clientId, events channel. Counts one connection less
    /// (never below zero: an unknown connection is a no-op) and publishes offline when it was the client's last.
    /// </summary>
    public static readonly LuaScript RemoveConnection = ClockScript("""
        local onNode = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
        if onNode <= 0 then return 0 end
        if onNode == 1 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
        local forClient = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if forClient <= 0 then return 0 end
        if forClient == 1 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
        if redis.call('EXISTS', KEYS[1]) == 0 then
          local metadata = redis.call('GET', KEYS[3])
          redis.call('DEL', KEYS[3])
          redis.call('SREM', KEYS[4], ARGV[2])
          redis.call('PUBLISH', ARGV[3], presence('offline', ARGV[2], ARGV[1], metadata))
        end
        return 1
        """);
}
