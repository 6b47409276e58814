using System.Security.Cryptography;
using System.Text;

namespace RetroIm.Redis;

/// <summary>
/// A Lua script and its SHA-1, which <see cref="RedisClient.EvalAsync"/> sends with EVALSHA so the source travels
/// only when Redis does not have it cached yet. Create once (e.g. in a static field) and reuse.
/// </summary>
public sealed class LuaScript
{
    /// <summary>Creates a script from its Lua source.</summary>
    public LuaScript(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Source = source;
#pragma warning disable CA5350 // SHA-1 is not used for security: it is the script id Redis itself defines.
        Sha1Hex = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
#pragma warning restore CA5350
    }

    /// <summary>The Lua source.</summary>
    public string Source { get; }

    /// <summary>Lower-case hex SHA-1 of the UTF-8 source, as <c>SCRIPT LOAD</c> returns it.</summary>
    public string Sha1Hex { get; }

    /// <inheritdoc />
    public override string ToString() => "LuaScript " + Sha1Hex;
}
