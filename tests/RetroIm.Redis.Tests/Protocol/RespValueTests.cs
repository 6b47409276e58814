using System.Buffers;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Tests.Protocol;

[TestFixture]
public sealed class RespValueTests
{
    private static RespValue Parse(string wire)
    {
        Assert.That(RespReader.TryRead(new ReadOnlySequence<byte>(RespCorpus.Ascii(wire)), out var value, out _), Is.True);
        return value!;
    }

    [Test]
    public void AsInt64_IntegerAndNumericBulk_ReturnsTheNumber()
    {
        Assert.That(Parse(":-7\r\n").AsInt64(), Is.EqualTo(-7));
        Assert.That(Parse("$3\r\n123\r\n").AsInt64(), Is.EqualTo(123));
    }

    [Test]
    public void AsInt64_NullOrText_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Parse("$-1\r\n").AsInt64());
        Assert.Throws<InvalidOperationException>(() => Parse("$3\r\nabc\r\n").AsInt64());
    }

    [Test]
    public void AsString_EachKind_ReturnsText()
    {
        Assert.That(Parse("+OK\r\n").AsString(), Is.EqualTo("OK"));
        Assert.That(Parse("-ERR x\r\n").AsString(), Is.EqualTo("ERR x"));
        Assert.That(Parse(":5\r\n").AsString(), Is.EqualTo("5"));
        Assert.That(Parse("$2\r\nhi\r\n").AsString(), Is.EqualTo("hi"));
        Assert.That(Parse("$-1\r\n").AsString(), Is.Null);
        Assert.That(Parse("*-1\r\n").AsString(), Is.Null);
        Assert.Throws<InvalidOperationException>(() => Parse("*1\r\n:1\r\n").AsString());
    }

    [Test]
    public void NullAndArrayFlags_MatchTheWire()
    {
        var nullBulk = Parse("$-1\r\n");
        var nullArray = Parse("*-1\r\n");
        var array = Parse("*2\r\n-ERR a\r\n:1\r\n");

        Assert.That((nullBulk.Type, nullBulk.IsNull, nullBulk.AsBytes()), Is.EqualTo((RespType.BulkString, true, (byte[]?)null)));
        Assert.That((nullArray.Type, nullArray.IsNull, nullArray.Items.Count), Is.EqualTo((RespType.Array, true, 0)));
        Assert.That(array.Items[0].IsError, Is.True);
        Assert.That(array.Items[1].Items, Is.Empty);
    }
}
