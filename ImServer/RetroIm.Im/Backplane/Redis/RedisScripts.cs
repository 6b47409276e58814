using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>
/// The Lua scripts that keep every multi-key change of <see cref="RedisBackplane"/> atomic (Redis runs a script with
/// nothing interleaved), one concern per file. Key names come in as KEYS or as ARGV prefixes from
/// <see cref="RedisKeys"/>; scripts build per-client keys from those prefixes, which a single Redis allows (not a
/// Redis Cluster). Time is Redis's own clock (TIME), so nodes with skewed clocks agree on expiry.
/// </summary>
internal static partial class RedisScripts
{
    /// <summary>Defines <c>now</c> (Redis unix milliseconds), <c>presence(type, clientId, node, metadata)</c> and <c>nodeChange(type, node)</c>.</summary>
    private const string Prelude = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        -- The JSON of RetroIm.Im.PresenceEvent; metadata false (a missing key) becomes null.
        local function presence(kind, client, node, metadata)
          return cjson.encode({type = kind, clientId = client, node = node, metadata = metadata or cjson.null, ts = now})
        end
        -- The JSON of a node change on im:nodechanges (README "Redis keys").
        local function nodeChange(kind, node)
          return cjson.encode({type = kind, node = node, ts = now})
        end

        """;

    private static LuaScript Script(string body) => new(body);

    /// <summary>A script that uses <c>now</c>, <c>presence</c> or <c>nodeChange</c>.</summary>
    private static LuaScript ClockScript(string body) => new(Prelude + body);
}
