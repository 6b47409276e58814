using System.Security.Cryptography;

namespace RetroIm.WebApi.Writes;

/// <summary>Short opaque URL-safe ids (10 base62 characters, ~59 random bits) for retros, participants and topics.</summary>
internal static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 10);
}
