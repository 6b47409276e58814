using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>KEYS: chans, chanmembers. ARGV: chan, clientchans prefix, clientIds….</summary>
    public static readonly LuaScript AddChanMembers = Script("""
        for i = 3, #ARGV do
          redis.call('SADD', KEYS[2], ARGV[i])
          redis.call('SADD', ARGV[2] .. ARGV[i], ARGV[1])
        end
        if #ARGV >= 3 then redis.call('SADD', KEYS[1], ARGV[1]) end
        return 0
        """);

    /// <summary>
    /// KEYS: chans, chanmembers. ARGV: chan, clientchans prefix, limit, clientIds…. Adds nobody when a client not yet
    /// in the channel is in <c>limit</c> channels already (0: no limit) and returns {clientId, its channel count}; else 0.
    /// </summary>
    public static readonly LuaScript AddChanMembersWithinLimit = Script("""
        local limit = tonumber(ARGV[3])
        if limit > 0 then
          for i = 4, #ARGV do
            local key = ARGV[2] .. ARGV[i]
            if redis.call('SISMEMBER', key, ARGV[1]) == 0 then
              local n = redis.call('SCARD', key)
              if n >= limit then return {ARGV[i], n} end
            end
          end
        end
        for i = 4, #ARGV do
          redis.call('SADD', KEYS[2], ARGV[i])
          redis.call('SADD', ARGV[2] .. ARGV[i], ARGV[1])
        end
        if #ARGV >= 4 then redis.call('SADD', KEYS[1], ARGV[1]) end
        return 0
        """);

    /// <summary>KEYS: chans, chanmembers. ARGV: chan, clientchans prefix, clientIds…. Drops the channel with its last member.</summary>
    public static readonly LuaScript RemoveChanMembers = Script("""
        for i = 3, #ARGV do
          redis.call('SREM', KEYS[2], ARGV[i])
          redis.call('SREM', ARGV[2] .. ARGV[i], ARGV[1])
        end
        if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
        return 0
        """);
}
