using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// A node that terminates TLS itself (README "wss:// with Kestrel"): clients connect with wss://, and the relay's own
/// listener stays out of the way, so no byte on that port is ever read without TLS.
/// </summary>
[TestFixture]
public sealed class TlsNodeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task TlsNode_WelcomesWssClients_AndNeverUpgradesPlainTextOnItsPort()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"retroim-tls-{Guid.NewGuid():N}.pfx");
        using (var certificate = SelfSigned()) await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx));
        try
        {
            await using var cluster = await ImCluster.StartAsync(nodeCount: 0);
            var node = await cluster.StartNodeAsync(tlsCertificate: pfx);
            var client = "tls-" + Guid.NewGuid().ToString("N")[..8];

            var url = await cluster.ConnectUrlAsync(client);
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
            });
            await using var socket = await TestWebSocketClient.ConnectAsync(url, new TestWebSocketOptions { Invoker = invoker });
            var welcome = await socket.ExpectWelcomeAsync();

            // A valid ticket presented in plain text on the same port: TLS refuses it, nothing upgrades it.
            var plain = new Uri(await cluster.IssueUrlForNodeAsync(client + "-plain", node));
            var answer = await PlainTextExchangeAsync(node.Port,
                $"GET {plain.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

            Assert.Multiple(() =>
            {
                Assert.That(url, Does.StartWith($"wss://127.0.0.1:{node.Port}/ws?token="));
                Assert.That(welcome.Str("clientId"), Is.EqualTo(client));
                Assert.That(answer, Does.Not.Contain("101"), "a plain-text upgrade on the TLS port: " + answer);
                Assert.That(node.Log.Contains("A TLS endpoint is configured"), Is.True);
            });
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    /// <summary>Sends <paramref name="request"/> without TLS and returns whatever came back when the server closed (or the bound passed).</summary>
    private static async Task<string> PlainTextExchangeAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Bound);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request)).AsTask().WaitAsync(Bound);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Bound)) > 0) received.Write(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            // Reset by the server, or left open (an upgraded socket): what came before is the answer.
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
