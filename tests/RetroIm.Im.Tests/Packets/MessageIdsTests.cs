using System.Collections.Concurrent;
using NUnit.Framework;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.Packets;

[TestFixture]
public sealed class MessageIdsTests
{
    [Test]
    public void New_IsUuidV7WithTheTimestampFirst_InTheFormGuidWrites()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(0x0193_A1B2_C3D4);

        var id = MessageIds.New(now);
        var guid = Guid.ParseExact(id, "N");

        Assert.Multiple(() =>
        {
            Assert.That(id, Does.Match("^[0-9a-f]{32}$"));
            Assert.That(id[..12], Is.EqualTo("0193a1b2c3d4"), "48-bit Unix milliseconds first");
            Assert.That(guid.Version, Is.EqualTo(7));
            Assert.That(guid.Variant >> 2, Is.EqualTo(0b10), "RFC 9562 variant");
            Assert.That(guid.ToString("N"), Is.EqualTo(id));
            Assert.That(id[..12], Is.EqualTo(Guid.CreateVersion7(now).ToString("N")[..12]), "the same layout as Guid.CreateVersion7");
        });
    }

    [Test]
    public void New_ManyIdsOnSeveralThreads_AllDistinctAndSortedByTime()
    {
        // Far more than one 4 KB pool per thread, on threads that each have their own pool.
        var ids = new ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var i = 0; i < 20_000; i++) ids.Add(MessageIds.New(DateTimeOffset.UtcNow));
        });
        var earlier = MessageIds.New(DateTimeOffset.FromUnixTimeMilliseconds(1_000));
        var later = MessageIds.New(DateTimeOffset.FromUnixTimeMilliseconds(1_001));

        Assert.Multiple(() =>
        {
            Assert.That(ids.Distinct().Count(), Is.EqualTo(80_000));
            Assert.That(string.CompareOrdinal(earlier, later), Is.LessThan(0));
        });
    }

    [Test]
    public void New_BeforeTheEpoch_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageIds.New(DateTimeOffset.FromUnixTimeMilliseconds(-1)));
    }
}
