using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using RetroIm.Relay.Transport;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>The relay's own reader of client frames, fed the way a pipe feeds it: in pieces, across segments.</summary>
[TestFixture]
public sealed class ClientFrameParserTests
{
    private const int Max = 1000;

    [Test]
    public void TextFrame_InOneSegment_IsOneMessage()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x81, "hello"u8));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.Text));
        Assert.That(Encoding.UTF8.GetString(parser.Message), Is.EqualTo("hello"));
        Assert.That(buffer.IsEmpty, Is.True, "the frame was consumed");
        parser.ReleaseMessage();
    }

    [Test]
    public void Frame_SplitAtEveryByteAcrossSegments_SameMessage()
    {
        var text = new string('é', 200); // 400 bytes: a 16-bit length, multi-byte characters cut across segments
        var frame = Frame(0x81, Encoding.UTF8.GetBytes(text));
        var parser = new ClientFrameParser();
        // Fed as a pipe would: what was not consumed is offered again with one more byte.
        var offered = 0;
        var consumed = 0;
        ClientFrameEvent found;
        do
        {
            offered++;
            var buffer = Sequence(frame.AsSpan(consumed, offered - consumed).ToArray().Select(b => new[] { b }).ToArray());
            var before = buffer.Length;
            found = Next(ref parser, ref buffer);
            consumed += (int)(before - buffer.Length);
        }
        while (found == ClientFrameEvent.NeedMore && offered < frame.Length);

        Assert.That(found, Is.EqualTo(ClientFrameEvent.Text));
        Assert.That(Encoding.UTF8.GetString(parser.Message), Is.EqualTo(text));
        Assert.That(consumed, Is.EqualTo(frame.Length));
    }

    [Test]
    public void Fragments_WithAPingBetween_PingFirstThenTheWholeMessage()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x01, "{\"a\":"u8), Frame(0x89, "p"u8), Frame(0x80, "1}"u8));
        var control = new byte[ClientFrameParser.MaxControlPayload];

        Assert.That(parser.Next(ref buffer, Max, control, out var length), Is.EqualTo(ClientFrameEvent.Ping));
        Assert.That(Encoding.ASCII.GetString(control, 0, length), Is.EqualTo("p"));
        Assert.That(parser.Next(ref buffer, Max, control, out _), Is.EqualTo(ClientFrameEvent.Text));
        Assert.That(Encoding.UTF8.GetString(parser.Message), Is.EqualTo("{\"a\":1}"));
    }

    [Test]
    public void Message_OverTheLimitAcrossFragments_TooBigBeforeItsBytesAreRead()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x01, new byte[600]), Frame(0x80, new byte[500]));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.TooBig));
        Assert.That(buffer.Length, Is.EqualTo(2 + 2 + 4 + 500), "the second fragment's header and payload were not consumed");
    }

    [Test]
    public void LengthClaimingTerabytes_TooBigAtOnce()
    {
        var parser = new ClientFrameParser();
        byte[] header = [0x81, 0xFF, 0, 0, 0x10, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        var buffer = Sequence(header);

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.TooBig));
    }

    [TestCase(new byte[] { 0xC1, 0x80, 1, 2, 3, 4 }, "reserved bits")]
    [TestCase(new byte[] { 0x81, 0x00 }, "masked")]
    [TestCase(new byte[] { 0x83, 0x80, 1, 2, 3, 4 }, "opcode 3")]
    [TestCase(new byte[] { 0x8B, 0x80, 1, 2, 3, 4 }, "opcode 11")]
    [TestCase(new byte[] { 0x09, 0x80, 1, 2, 3, 4 }, "fragmented control")]
    [TestCase(new byte[] { 0x89, 0xFE, 0, 126, 1, 2, 3, 4 }, "over 125")]
    [TestCase(new byte[] { 0x80, 0x80, 1, 2, 3, 4 }, "continuation frame without")]
    public void ForbiddenFrame_ProtocolErrorSayingWhy(byte[] frame, string why)
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(frame);

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.ProtocolError));
        Assert.That(parser.Error, Does.Contain(why));
    }

    [Test]
    public void NewMessageBeforeTheLastEnded_ProtocolError()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x01, "ab"u8), Frame(0x81, "cd"u8));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.ProtocolError));
        parser.ReleaseMessage();
    }

    [Test]
    public void BinaryFrame_ReportedWithoutConsumingIt()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x82, [1, 2, 3]));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.Binary));
        Assert.That(buffer.Length, Is.EqualTo(2 + 4 + 3));
    }

    [Test]
    public void TextNotUtf8_InvalidUtf8()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x81, [0x22, 0xC3, 0x28, 0x22]));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.InvalidUtf8));
        parser.ReleaseMessage();
    }

    [Test]
    public void EmptyTextFrame_AnEmptyMessage()
    {
        var parser = new ClientFrameParser();
        var buffer = Sequence(Frame(0x81, []));

        Assert.That(Next(ref parser, ref buffer), Is.EqualTo(ClientFrameEvent.Text));
        Assert.That(parser.Message.Length, Is.Zero);
    }

    private static ClientFrameEvent Next(ref ClientFrameParser parser, ref ReadOnlySequence<byte> buffer) =>
        parser.Next(ref buffer, Max, new byte[ClientFrameParser.MaxControlPayload], out _);

    /// <summary>A masked client frame; a 16-bit length when the payload needs it.</summary>
    private static byte[] Frame(byte first, ReadOnlySpan<byte> payload)
    {
        var key = RandomNumberGenerator.GetBytes(4);
        var lengthBytes = payload.Length < 126 ? 0 : 2;
        var frame = new byte[2 + lengthBytes + 4 + payload.Length];
        frame[0] = first;
        frame[1] = (byte)(0x80 | (lengthBytes == 0 ? payload.Length : 126));
        if (lengthBytes == 2)
        {
            frame[2] = (byte)(payload.Length >> 8);
            frame[3] = (byte)payload.Length;
        }
        key.CopyTo(frame, 2 + lengthBytes);
        for (var i = 0; i < payload.Length; i++) frame[2 + lengthBytes + 4 + i] = (byte)(payload[i] ^ key[i % 4]);
        return frame;
    }

    /// <summary>The chunks as one sequence of that many segments.</summary>
    private static ReadOnlySequence<byte> Sequence(params byte[][] chunks)
    {
        if (chunks.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1)) last = last.Append(chunk);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
