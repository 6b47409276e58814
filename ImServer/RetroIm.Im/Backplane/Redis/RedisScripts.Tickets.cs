using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>
    /// KEYS: ticket. ARGV: nodeId. Returns {0} unknown, {1, json} consumed, {2, json} issued for another node (kept, so
    /// the client can still use it there).
    /// </summary>
    public static readonly LuaScript RedeemTicket = Script("""
        local json = redis.call('GET', KEYS[1])
        if not json then return {0} end
        local ok, ticket = pcall(cjson.decode, json)
        if not ok or type(ticket) ~= 'table' then return {0} end
        -- nodeId: ConnectTicket's camelCase JSON property (ImJsonContext).
        if ticket.nodeId ~= ARGV[1] then return {2, json} end
        redis.call('DEL', KEYS[1])
        return {1, json}
        """);
}
