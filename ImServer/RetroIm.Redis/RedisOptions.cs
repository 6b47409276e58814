using System.Globalization;
using System.Text;

namespace RetroIm.Redis;

/// <summary>
/// Where and how to connect, usually parsed from a FreeRedis-style connection string:
/// <c>127.0.0.1:6379,password=x,defaultDatabase=0,poolsize=5,prefix=im1:,connectTimeout=5000,commandTimeout=5000,user=u,name=n</c>.
/// </summary>
/// <remarks><see cref="Prefix"/> is carried for callers; the client itself never prefixes keys or channels.</remarks>
public sealed partial record RedisOptions
{
    internal const int DefaultPort = 6379;
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Host name or IP address. Default <c>127.0.0.1</c>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port. Default 6379.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name (Redis 6+); sent with <see cref="Password"/> as <c>AUTH user password</c>.</summary>
    public string? User { get; init; }

    /// <summary>Password sent with <c>AUTH</c> on every new connection. Never logged; <see cref="ToString"/> masks it.</summary>
    public string? Password { get; init; }

    /// <summary>Database index selected on connect (<c>defaultDatabase</c>). Pub/sub ignores it, as Redis does.</summary>
    public int Database { get; init; }

    /// <summary>Number of multiplexed connections a <see cref="RedisClient"/> spreads commands over (<c>poolsize</c>). Default 1.</summary>
    public int PoolSize { get; init; } = 1;

    /// <summary>Key and channel prefix for callers to apply (<c>prefix</c>). Not applied by the client.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>How long opening a connection (TCP plus handshake) may take (<c>connectTimeout</c>, ms). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultTimeout;

    /// <summary>How long a command may wait for its reply (<c>commandTimeout</c>, ms). Default 5 s.</summary>
    public TimeSpan CommandTimeout { get; init; } = DefaultTimeout;

    /// <summary>Sent as <c>CLIENT SETNAME</c> on connect (<c>name</c>), visible in <c>CLIENT LIST</c>.</summary>
    public string? ClientName { get; init; }

    /// <summary><c>host:port</c> for messages and logs (IPv6 hosts in brackets).</summary>
    internal string Endpoint => (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The connection string form, which <see cref="Parse"/> reads back; the password shows as <c>***</c>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Endpoint);
        Append(builder, "user", User);
        Append(builder, "password", Password is null ? null : "***");
        Append(builder, "defaultDatabase", Database == 0 ? null : Database.ToString(CultureInfo.InvariantCulture));
        Append(builder, "poolsize", PoolSize == 1 ? null : PoolSize.ToString(CultureInfo.InvariantCulture));
        Append(builder, "prefix", Prefix.Length == 0 ? null : Prefix);
        Append(builder, "connectTimeout", ConnectTimeout == DefaultTimeout ? null : Milliseconds(ConnectTimeout));
        Append(builder, "commandTimeout", CommandTimeout == DefaultTimeout ? null : Milliseconds(CommandTimeout));
        Append(builder, "name", ClientName);
        return builder.ToString();
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range (options built in code skip <see cref="Parse"/>).</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("RedisOptions.Host is empty.");
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"RedisOptions.Port {Port} is not between 1 and 65535.");
        }

        if (Database < 0)
        {
            throw new ArgumentException($"RedisOptions.Database {Database} is negative.");
        }

        if (PoolSize is < 1 or > MaxPoolSize)
        {
            throw new ArgumentException($"RedisOptions.PoolSize {PoolSize} is not between 1 and {MaxPoolSize}.");
        }

        if (ConnectTimeout <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RedisOptions.ConnectTimeout and CommandTimeout must be positive.");
        }

        if (User is not null && Password is null)
        {
            throw new ArgumentException("RedisOptions.User needs a Password (AUTH user password).");
        }
    }

    private static void Append(StringBuilder builder, string key, string? value)
    {
        if (value is not null)
        {
            builder.Append(',').Append(key).Append('=').Append(value);
        }
    }

    private static string Milliseconds(TimeSpan value) =>
        ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
