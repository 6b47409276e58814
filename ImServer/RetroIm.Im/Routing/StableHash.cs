using System.Text;

namespace RetroIm.Im.Routing;

/// <summary>
/// A 64-bit hash that is the same in every process and on every machine (string.GetHashCode is randomised per
/// process, so it cannot route): FNV-1a over the UTF-8 bytes, then the MurmurHash3 finaliser to spread the bits.
/// </summary>
public static class StableHash
{
    public static ulong Hash(string a, string b)
    {
        var hash = 14695981039346656037UL;
        hash = Mix(hash, a);
        hash = (hash ^ 0xFF) * 1099511628211UL; // separator: ("ab","c") and ("a","bc") must differ
        hash = Mix(hash, b);
        return Finalise(hash);
    }

    private static ulong Mix(ulong hash, string s)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(s.Length) <= buffer.Length ? buffer : new byte[Encoding.UTF8.GetMaxByteCount(s.Length)];
        var n = Encoding.UTF8.GetBytes(s, bytes);
        foreach (var b in bytes[..n]) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static ulong Finalise(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }
}
