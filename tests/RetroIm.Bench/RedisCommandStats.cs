using System.Globalization;
using System.Text.RegularExpressions;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>Redis's own count of the commands it ran (<c>INFO commandstats</c>): calls and microseconds per command.</summary>
internal static partial class RedisCommandStats
{
    /// <summary>Zeroes the counts (<c>CONFIG RESETSTAT</c>).</summary>
    public static Task ResetAsync(RedisClient redis) => redis.ExecuteAsync("CONFIG", ["RESETSTAT"]);

    /// <summary>Every command Redis ran since the last reset, except those the bench itself sends (CONFIG, INFO).</summary>
    public static async Task<List<(string Name, long Calls, double Usec)>> ReadAsync(RedisClient redis)
    {
        var info = (await redis.ExecuteAsync("INFO", ["commandstats"])).AsString()!;
        var stats = new List<(string, long, double)>();
        foreach (Match m in CommandStatLine().Matches(info))
        {
            if (m.Groups[1].Value is "config" or "info") continue;
            stats.Add((m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
        }
        return stats;
    }

    [GeneratedRegex(@"cmdstat_(\w+):calls=(\d+),usec=(\d+)")]
    private static partial Regex CommandStatLine();
}
