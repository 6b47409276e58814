using System.Security.Cryptography;
using System.Text;

namespace RetroIm.WebApi.Admin;

/// <summary>Checks a presented admin key without leaking, through timing, how much of it was right.</summary>
internal static class AdminKey
{
    public const string HeaderName = "X-Admin-Key";

    /// <summary>
    /// Compares SHA-256 digests in constant time: equal-length inputs make <see cref="CryptographicOperations.FixedTimeEquals"/>
    /// independent of where the first difference is, and hashing first hides the key's length as well.
    /// </summary>
    public static bool Matches(string expected, string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        Span<byte> a = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
