using System.Text;
using NUnit.Framework;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.Backplane;

[TestFixture]
public sealed class RelayBatchTests
{
    private static List<string> Read(string batch, out bool ok)
    {
        var packets = new List<string>();
        ok = RelayBatch.TryForEach(Encoding.UTF8.GetBytes(batch), packets, static (list, packet) => list.Add(Encoding.UTF8.GetString(packet.Span)));
        return packets;
    }

    [Test]
    public void WriteThenRead_GivesThePacketsBackInOrder_IncludingNewlinesAndEmptyOnes()
    {
        string[] packets = ["{\"k\":\"message\"}\n{\"type\":\"message\"}", "", "12\n34", new string('x', 70_000)];

        var batch = Encoding.UTF8.GetString(RelayBatch.Write(packets.Select(Encoding.UTF8.GetBytes)));

        Assert.That(batch, Does.StartWith("34\n{\"k\""));
        Assert.That(Read(batch, out var ok), Is.EqualTo(packets));
        Assert.That(ok, Is.True);
        Assert.That(Read("", out ok), Is.Empty);
        Assert.That(ok, Is.True);
    }

    [Test]
    public void Entry_OfAnOpenHeaderAndABody_IsTheClosedPacketWithItsLength_AndReadsBackAsOne()
    {
        var header = RelayPacket.Write(new RelayHeader(RelayPacketKind.Message, To: ["a"], Id: "m1"), "{\"type\":\"message\"}"u8);
        var newline = Array.IndexOf(header, (byte)'\n');
        var openHeader = header.AsSpan(0, newline - 1); // without "}"

        var entry = RelayBatch.Entry(openHeader, header.AsSpan(newline + 1));

        var batch = Encoding.UTF8.GetString(entry.Concat(entry).ToArray());
        Assert.That(batch, Does.StartWith($"{header.Length}\n"));
        Assert.That(Read(batch, out var ok), Is.EqualTo(new[] { Encoding.UTF8.GetString(header), Encoding.UTF8.GetString(header) }));
        Assert.That(ok, Is.True);
        Assert.That(RelayPacket.TryRead(RelayBatch.Entry(openHeader, header.AsSpan(newline + 1)).AsMemory($"{header.Length}\n".Length), out var read, out var body), Is.True);
        Assert.That((read!.Id, read.To, Encoding.UTF8.GetString(body.Span)), Is.EqualTo(("m1", new[] { "a" }, "{\"type\":\"message\"}")));
    }

    [TestCase("x\nabc", 0, TestName = "length not a number")]
    [TestCase("3abc", 0, TestName = "no newline after the length")]
    [TestCase("\nabc", 0, TestName = "empty length")]
    [TestCase("-1\nabc", 0, TestName = "negative length")]
    [TestCase("+3\nabc", 0, TestName = "signed length")]
    [TestCase("99999999999\nabc", 0, TestName = "length of eleven digits")]
    [TestCase("3\nabc9\nxy", 1, TestName = "length past the end after a good packet")]
    [TestCase("2\nab1 \nc", 1, TestName = "length with trailing garbage after a good packet")]
    public void Malformed_StopsAtTheBadEntry_AfterHandingOutTheGoodOnesBeforeIt(string batch, int good)
    {
        var packets = Read(batch, out var ok);

        Assert.That(ok, Is.False);
        Assert.That(packets, Has.Count.EqualTo(good));
    }
}
