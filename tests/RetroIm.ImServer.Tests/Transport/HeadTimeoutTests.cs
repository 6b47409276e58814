using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// ImServer:HeadTimeout: a connection that does not send its whole request head in time (silent, or trickling a
/// partial upgrade) is answered 408 and closed, so slow-loris clients cannot hold sockets; a prompt one is served.
/// </summary>
[TestFixture]
public sealed class HeadTimeoutTests
{
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private RedisServer _redis = null!;
    private ImServerProcess _node = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _redis = await RedisServer.StartAsync();
        _node = await ImServerProcess.StartAsync(_redis.Port, [$"--ImServer:HeadTimeout={HeadTimeout:c}"]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _node.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [TestCase("", TestName = "HeadTimeout_SilentConnection_Answered408AndClosed")]
    [TestCase("GET /ws?token=abc HTTP/1.1\r\nHost: 127.0.0.1\r\n", TestName = "HeadTimeout_PartialUpgradeHead_Answered408AndClosed")]
    public async Task HeadTimeout_IncompleteHead_Answered408AndClosed(string sent)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _node.Port).WaitAsync(Bound);
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        if (sent.Length > 0) await stream.WriteAsync(Encoding.ASCII.GetBytes(sent)).AsTask().WaitAsync(Bound);

        var answer = await ReadToEndAsync(stream);

        Assert.Multiple(() =>
        {
            Assert.That(answer, Does.StartWith("HTTP/1.1 408 Request Timeout\r\n"));
            Assert.That(answer, Does.Contain("Connection: close"));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(HeadTimeout - TimeSpan.FromMilliseconds(100)), "not before the timeout");
        });
    }

    [Test]
    public async Task HeadTimeout_HealthRequestSentAtOnce_ServedByHttp()
    {
        using var http = new HttpClient { BaseAddress = _node.HttpBase, Timeout = Bound };

        using var health = await http.GetAsync("/health");

        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>Everything the server sends until it closes the connection (bounded).</summary>
    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Bound)) > 0) received.Write(buffer, 0, read);
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
