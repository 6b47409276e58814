using System.Globalization;

namespace RetroIm.Redis;

public sealed partial record RedisOptions
{
    internal const int MaxPoolSize = 64;

    /// <summary>
    /// Reads a FreeRedis-style connection string: <c>host[:port]</c> first, then comma-separated <c>key=value</c> pairs.
    /// Keys (case-insensitive): <c>password</c>, <c>user</c>, <c>defaultDatabase</c>, <c>poolsize</c>, <c>prefix</c>,
    /// <c>connectTimeout</c> and <c>commandTimeout</c> (milliseconds), <c>name</c>. Values are taken verbatim
    /// (a password may not contain a comma). An IPv6 host goes in brackets: <c>[::1]:6379</c>.
    /// </summary>
    /// <exception cref="FormatException">The string is empty, has an unknown or repeated key, or a value out of range.</exception>
    public static RedisOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(',');
        var options = ParseEndpoint(parts[0].Trim(), connectionString);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Trim().Length == 0)
            {
                continue; // tolerate "host:6379," and ",," the way FreeRedis does
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw Invalid($"\"{part.Trim()}\" is not a key=value pair");
            }

            var key = part[..equals].Trim();
            var value = part[(equals + 1)..];
            if (!seen.Add(key))
            {
                throw Invalid($"key \"{key}\" is given twice");
            }

            options = Apply(options, key, value);
        }

        return options;
    }

    private static RedisOptions Apply(RedisOptions options, string key, string value) => key.ToLowerInvariant() switch
    {
        "password" => options with { Password = value },
        "user" => options with { User = value.Trim() },
        "defaultdatabase" => options with { Database = ParseInt(key, value, 0, int.MaxValue) },
        "poolsize" => options with { PoolSize = ParseInt(key, value, 1, MaxPoolSize) },
        "prefix" => options with { Prefix = value.Trim() },
        "connecttimeout" => options with { ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value, 1, int.MaxValue)) },
        "commandtimeout" => options with { CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value, 1, int.MaxValue)) },
        "name" => options with { ClientName = value.Trim() },
        _ => throw Invalid($"unknown key \"{key}\" (known: password, user, defaultDatabase, poolsize, prefix, connectTimeout, commandTimeout, name)"),
    };

    private static RedisOptions ParseEndpoint(string endpoint, string connectionString)
    {
        if (endpoint.Length == 0)
        {
            throw Invalid(connectionString.Trim().Length == 0 ? "it is empty" : "it must start with host[:port]");
        }

        if (endpoint.Contains('=', StringComparison.Ordinal))
        {
            throw Invalid($"it must start with host[:port], not \"{endpoint}\"");
        }

        string host;
        string? port = null;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < endpoint.Length && endpoint[close + 1] != ':'))
            {
                throw Invalid($"\"{endpoint}\" is not a valid [IPv6]:port endpoint");
            }

            host = endpoint[1..close];
            port = close + 1 < endpoint.Length ? endpoint[(close + 2)..] : null;
        }
        else
        {
            var colon = endpoint.LastIndexOf(':');
            host = colon < 0 ? endpoint : endpoint[..colon];
            port = colon < 0 ? null : endpoint[(colon + 1)..];
        }

        if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal))
        {
            throw Invalid($"\"{endpoint}\" has no valid host");
        }

        return new RedisOptions { Host = host, Port = port is null ? DefaultPort : ParseInt("port", port, 1, 65535) };
    }

    private static int ParseInt(string key, string value, int min, int max)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            throw Invalid($"{key} must be a whole number from {min} to {max}, not \"{value.Trim()}\"");
        }

        return number;
    }

    // The message never echoes the whole connection string: it may hold a password.
    private static FormatException Invalid(string reason) => new($"Invalid Redis connection string: {reason}.");
}
