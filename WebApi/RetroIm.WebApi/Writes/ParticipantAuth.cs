using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RetroIm.WebApi.Writes;

/// <summary>
/// Whether a command needs a participant and the SHA-256 of the bearer token it was sent with. Tokens are stored only
/// as hashes and found by an indexed lookup of the hash, so no secret is ever compared byte by byte in our code.
/// </summary>
internal readonly record struct ParticipantAuth(bool IsRequired, byte[]? TokenHash)
{
    public static readonly ParticipantAuth None = new(false, null);

    public static ParticipantAuth Required(HttpRequest request) => new(true, HashBearer(request));

    public static ParticipantAuth Optional(HttpRequest request) => new(false, HashBearer(request));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>32 random bytes, base64url: what a participant gets once, at join.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static byte[]? HashBearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = header.AsSpan(Scheme.Length).Trim();
        return token.IsEmpty ? null : Hash(token.ToString());
    }
}
