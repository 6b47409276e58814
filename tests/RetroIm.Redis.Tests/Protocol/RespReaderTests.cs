using System.Buffers;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Tests.Protocol;

[TestFixture]
public sealed class RespReaderTests
{
    private static IEnumerable<TestCaseData> ValidCases() =>
        RespCorpus.Valid.Select(c => new TestCaseData(c.Wire, c.Expected).SetArgDisplayNames(c.Name));

    private static IEnumerable<TestCaseData> InvalidCases() =>
        RespCorpus.Invalid.Select(c => new TestCaseData(c.Wire).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(ValidCases))]
    public void TryRead_CompleteReply_ParsesAndConsumesAll(byte[] wire, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.That(RespReader.TryRead(buffer, out var value, out var end), Is.True);
        Assert.That(value!.ToString(), Is.EqualTo(expected));
        Assert.That(buffer.Slice(end).Length, Is.Zero);
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryRead_SplitAtEveryOffsetIntoTwoSegments_ParsesTheSame(byte[] wire, string expected)
    {
        for (var offset = 0; offset <= wire.Length; offset++)
        {
            var buffer = SegmentedSequence.Split(wire, offset);

            Assert.That(RespReader.TryRead(buffer, out var value, out var end), Is.True, $"split at {offset}");
            Assert.That(value!.ToString(), Is.EqualTo(expected), $"split at {offset}");
            Assert.That(buffer.Slice(end).Length, Is.Zero, $"split at {offset}");
        }
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryRead_EveryProperPrefix_IsIncompleteWithoutThrowing(byte[] wire, string expected)
    {
        for (var length = 0; length < wire.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(wire, 0, length);

            Assert.That(RespReader.TryRead(buffer, out var value, out var end), Is.False, $"first {length} bytes");
            Assert.That(value, Is.Null);
            Assert.That(end, Is.EqualTo(buffer.Start));
        }
    }

    [TestCaseSource(nameof(ValidCases))]
    public void TryRead_FedOneByteAtATime_CompletesOnTheLastByte(byte[] wire, string expected)
    {
        // Bytes arrive one per segment, as a reader advancing by "examined" sees them.
        for (var length = 1; length <= wire.Length; length++)
        {
            var buffer = SegmentedSequence.OneBytePerSegment(wire.AsMemory(0, length));
            var complete = RespReader.TryRead(buffer, out var value, out _);

            Assert.That(complete, Is.EqualTo(length == wire.Length), $"after {length} bytes");
            if (complete)
            {
                Assert.That(value!.ToString(), Is.EqualTo(expected));
            }
        }
    }

    [Test]
    public void TryRead_WholeCorpusBackToBackOneBytePerSegment_ParsesEveryReplyInOrder()
    {
        var stream = RespCorpus.Valid.SelectMany(c => c.Wire).ToArray();
        var buffer = SegmentedSequence.OneBytePerSegment(stream);
        var parsed = new List<string>();

        while (RespReader.TryRead(buffer, out var value, out var end))
        {
            parsed.Add(value.ToString());
            buffer = buffer.Slice(end);
        }

        Assert.That(parsed, Is.EqualTo(RespCorpus.Valid.Select(c => c.Expected)));
        Assert.That(buffer.Length, Is.Zero);
    }

    [Test]
    public void TryRead_TwoRepliesInOneBuffer_StopsAfterTheFirst()
    {
        var buffer = new ReadOnlySequence<byte>(RespCorpus.Ascii(":1\r\n+OK\r\n"));

        Assert.That(RespReader.TryRead(buffer, out var first, out var end), Is.True);
        Assert.That(first!.AsInt64(), Is.EqualTo(1));
        Assert.That(buffer.Slice(end).ToArray(), Is.EqualTo(RespCorpus.Ascii("+OK\r\n")));
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryRead_InvalidInput_ThrowsRedisProtocolException(byte[] wire)
    {
        var error = Assert.Throws<RedisProtocolException>(() => RespReader.TryRead(new ReadOnlySequence<byte>(wire), out _, out _));

        Assert.That(error!.Message, Is.Not.Empty);
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryRead_InvalidInputSplitInTwoSegments_StillThrows(byte[] wire)
    {
        var buffer = SegmentedSequence.Split(wire, wire.Length / 2);

        Assert.Throws<RedisProtocolException>(() => RespReader.TryRead(buffer, out _, out _));
    }

    [Test]
    public void TryRead_HugeArrayHeaderWithoutElements_IsIncompleteWithoutAllocating()
    {
        var buffer = new ReadOnlySequence<byte>(RespCorpus.Ascii("*2000000000\r\n:1\r\n"));

        Assert.That(RespReader.TryRead(buffer, out _, out _), Is.False);
    }

    [Test]
    public void TryRead_UnknownPrefix_MessageNamesTheByteAndOffset()
    {
        var error = Assert.Throws<RedisProtocolException>(() =>
            RespReader.TryRead(new ReadOnlySequence<byte>(RespCorpus.Ascii("?x\r\n")), out _, out _));

        Assert.That(error!.Message, Does.Contain("0x3f").And.Contain("offset 0"));
    }
}
