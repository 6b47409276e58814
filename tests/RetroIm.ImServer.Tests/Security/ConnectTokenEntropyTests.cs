using System.Buffers.Text;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>Connect tokens are long random values: at least 128 bits, never repeated.</summary>
[TestFixture]
public sealed class ConnectTokenEntropyTests : ClusterTestBase
{
    [Test]
    public async Task PrevConnectServerAsync_ManyUrls_TokensAre144RandomBitsAndDistinct()
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var bytes = new byte[32];
        var bitsSet = 0L;
        const int count = 200;
        for (var i = 0; i < count; i++)
        {
            var url = await Cluster.ConnectUrlAsync(NewId("entropy"));
            var token = url[(url.IndexOf("?token=", StringComparison.Ordinal) + "?token=".Length)..];
            Assert.That(Base64Url.TryDecodeFromChars(token, bytes, out var length), Is.True, token);
            Assert.That(length * 8, Is.GreaterThanOrEqualTo(128), "at least 128 bits");
            Assert.That(tokens.Add(token), Is.True, "a token repeated");
            for (var b = 0; b < length; b++) bitsSet += System.Numerics.BitOperations.PopCount(bytes[b]);
        }
        // Random bits are set about half the time; a counter, a timestamp or a short seed would be far off.
        var ratio = bitsSet / (count * 144.0);
        Assert.That(ratio, Is.InRange(0.45, 0.55), $"fraction of one bits: {ratio:0.000}");
    }
}
