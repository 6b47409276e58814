namespace RetroIm.Testing;

/// <summary>How <see cref="RedisServer"/> starts redis-server.</summary>
public sealed record RedisServerOptions
{
    /// <summary>When set, started with <c>--requirepass</c>; <see cref="RedisServer.ConnectionString"/> includes it.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Keep data across <see cref="RedisServer.RestartAsync"/> and even <see cref="RedisServer.Kill"/>
    /// (<c>--appendonly yes --appendfsync always</c>). Off by default: <c>--save '' --appendonly no</c>, nothing on disk.
    /// </summary>
    public bool AppendOnly { get; init; }

    /// <summary>Extra command-line arguments, appended last so they win, e.g. <c>["--maxclients", "50"]</c>.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>How long to wait for the server to answer PING after launch. Default 15 s (a loaded CI box is slow).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Path of the redis-server binary. Default <c>/usr/bin/redis-server</c>, else whatever PATH finds.</summary>
    public string Executable { get; init; } = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
}
