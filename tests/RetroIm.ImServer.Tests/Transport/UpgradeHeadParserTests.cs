using System.Buffers;
using System.Text;
using RetroIm.Relay.Transport;

namespace RetroIm.ImServer.Tests.Transport;

[TestFixture]
public sealed class UpgradeHeadParserTests
{
    private static readonly byte[] Prefix = "GET /ws"u8.ToArray();

    private const string Upgrade =
        "GET /ws?token=abc%2Bd&recover=xyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://app.example.com\r\n\r\n";

    [TestCase("")]
    [TestCase("G")]
    [TestCase("GET /w")]
    [TestCase("GET /ws")]
    [TestCase("GET /ws?token=abc HTTP/1.1\r\nUpgrade: websocket\r\n")]
    public void Parse_PartialHead_NeedsMore(string text)
    {
        Assert.That(Parse(text, out _, out _), Is.EqualTo(HeadKind.NeedMore));
    }

    [TestCase("GET /health HTTP/1.1\r\n\r\n")]
    [TestCase("GET /wsx?token=a HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")]
    [TestCase("POST /ws HTTP/1.1\r\n")]
    [TestCase("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [TestCase("\u0016\u0003\u0001")]
    [TestCase("GET /ws?token=a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("GET /ws?token=a HTTP/1.0\r\nUpgrade: websocket\r\n\r\n")]
    [TestCase("GET /ws?token=a HTTP/1.1\r\nUpgrade: websocket\r\n folded\r\n\r\n")]
    [TestCase("GET /ws?token=a HTTP/1.1\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\n")]
    public void Parse_NotAnUpgradeToThePath_LeftToHttp(string text)
    {
        Assert.That(Parse(text, out _, out _), Is.EqualTo(HeadKind.NotOurs));
    }

    [Test]
    public void Parse_CompleteUpgradeWithPipelinedBytes_ConsumesOnlyTheHead()
    {
        var kind = Parse(Upgrade + "\u0081\u0085after", out var head, out var length);

        Assert.Multiple(() =>
        {
            Assert.That(kind, Is.EqualTo(HeadKind.Ours));
            Assert.That(length, Is.EqualTo(Encoding.Latin1.GetByteCount(Upgrade)));
            Assert.That(head!.IsWebSocketRequest, Is.True);
            Assert.That(head.Token, Is.EqualTo("abc+d"));
            Assert.That(head.Recover, Is.EqualTo("xyz"));
            Assert.That(head.Origin, Is.EqualTo("https://app.example.com"));
            Assert.That(head.Key, Is.EqualTo("dGhlIHNhbXBsZSBub25jZQ=="));
        });
    }

    [Test]
    public void Parse_HeadSplitOverManySegments_SameAsContiguous()
    {
        var bytes = Encoding.Latin1.GetBytes(Upgrade);
        var sequence = Segmented(bytes, 7);

        var kind = UpgradeHeadParser.Parse(sequence, Prefix, 8192, out var head, out var length);

        Assert.That(kind, Is.EqualTo(HeadKind.Ours));
        Assert.That(length, Is.EqualTo(bytes.Length));
        Assert.That(head!.Token, Is.EqualTo("abc+d"));
    }

    [TestCase("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")]
    [TestCase("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: c2hvcnQ=")]
    [TestCase("Connection: keep-alive, Upgrade", "Connection: keep-alive")]
    public void Parse_UpgradeBreakingRfc6455_OursButNotAWebSocketRequest(string from, string to)
    {
        var kind = Parse(Upgrade.Replace(from, to, StringComparison.Ordinal), out var head, out _);

        Assert.That(kind, Is.EqualTo(HeadKind.Ours));
        Assert.That(head!.IsWebSocketRequest, Is.False);
    }

    [Test]
    public void Parse_NoQuery_EmptyToken()
    {
        var kind = Parse(Upgrade.Replace("/ws?token=abc%2Bd&recover=xyz", "/ws", StringComparison.Ordinal), out var head, out _);

        Assert.That(kind, Is.EqualTo(HeadKind.Ours));
        Assert.That(head!.Token, Is.Empty);
    }

    [Test]
    public void Parse_HeadLongerThanTheLimit_LeftToHttp()
    {
        var big = Upgrade.Replace("Host: 127.0.0.1", "Host: 127.0.0.1\r\nX-Pad: " + new string('a', 9000), StringComparison.Ordinal);

        Assert.That(Parse(big[..8500], out _, out _), Is.EqualTo(HeadKind.NotOurs), "incomplete but already over the limit");
        Assert.That(Parse(big, out _, out _), Is.EqualTo(HeadKind.NotOurs));
    }

    private static HeadKind Parse(string text, out UpgradeHead? head, out long length) =>
        UpgradeHeadParser.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), Prefix, 8192, out head, out length);

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var memory = bytes.AsMemory(i, Math.Min(size, bytes.Length - i));
            if (first is null) first = last = new Segment(memory, 0);
            else last = last!.Append(memory);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
