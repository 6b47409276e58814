using System.Text;
using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.Packets;

/// <summary>
/// The hand-written header reader must read exactly what the serializer reads: canonical headers it takes itself,
/// anything else it leaves to the serializer. Each case is compared with the serializer's own result.
/// </summary>
[TestFixture]
public sealed class RelayHeaderReaderTests
{
    private static readonly RelayPacketKind[] Kinds = Enum.GetValues<RelayPacketKind>();

    [Test]
    public void CanonicalHeaders_WrittenBySerializer_ReadByFastPathAsTheSerializerReadsThem()
    {
        var random = new Random(20261202);
        for (var i = 0; i < 2000; i++)
        {
            var header = RandomHeader(random);
            var json = Head(RelayPacket.Write(header));

            var fast = RelayHeaderReader.TryReadCanonical(json);

            Assert.That(fast, Is.Not.Null, Encoding.UTF8.GetString(json));
            AssertSame(fast, Reference(json), json);
        }
    }

    [TestCase("""{}""")]
    [TestCase("""  { "k" : "join" , "to" : [ "a" ] }  """)]
    [TestCase("""{"k":"message","pe":["e\u0031"],"po":[7],"to":["\u00e9"]}""")]
    [TestCase("""{"K":"join"}""")]
    [TestCase("""{"k":"JOIN"}""")]
    [TestCase("""{"k":"Message"}""")]
    [TestCase("""{"k":1}""")]
    [TestCase("""{"k":"nope"}""")]
    [TestCase("""{"k":null}""")]
    [TestCase("""{"To":["a"]}""")]
    [TestCase("""{"po":["5"]}""")]
    [TestCase("""{"po":[5.0]}""")]
    [TestCase("""{"po":[1e3]}""")]
    [TestCase("""{"po":[99999999999999999999]}""")]
    [TestCase("""{"po":[null]}""")]
    [TestCase("""{"to":[null]}""")]
    [TestCase("""{"to":[1]}""")]
    [TestCase("""{"to":"a"}""")]
    [TestCase("""{"chan":1}""")]
    [TestCase("""{"chan":["a"]}""")]
    [TestCase("""{"id":null,"rt":null,"pe":null,"po":null,"to":null,"chan":null}""")]
    [TestCase("""{"x":1,"k":"kick"}""")]
    [TestCase("""{"x":{"y":[1,{}]},"k":"kick"}""")]
    [TestCase("""{"k":"kick","k":"grant"}""")]
    [TestCase("""{"k":"kick",}""")]
    [TestCase("""{"k":"kick"} x""")]
    [TestCase("""{"k":"kick"}{}""")]
    [TestCase("""/*c*/{"k":"kick"}""")]
    [TestCase("{\"k\":\"kick\" // c\n}")]
    [TestCase("""[]""")]
    [TestCase("""null""")]
    [TestCase("""1""")]
    [TestCase("")]
    [TestCase("""{""")]
    [TestCase("""{"to":["a",""")]
    [TestCase("""{"k":"revoke","to":["a","b"],"chan":"c","id":"i","rt":"r","pe":["x","y"],"po":[1,2]}""")]
    public void OddHeaders_ReadAsTheSerializerReadsThem(string text)
    {
        var json = Encoding.UTF8.GetBytes(text);

        AssertSame(Read(json), Reference(json), json);
    }

    [Test]
    public void InvalidUtf8InAString_ReadAsTheSerializerReadsIt()
    {
        byte[] json = [.. "{\"to\":[\""u8.ToArray(), 0xC3, 0x28, .. "\"]}"u8.ToArray()];

        AssertSame(Read(json), Reference(json), json);
    }

    [Test]
    public void MutatedHeaders_ReadAsTheSerializerReadsThem()
    {
        // Byte-level damage to canonical headers: dropped, doubled and replaced characters.
        var random = new Random(7);
        const string alphabet = "{}[]\",:0123456789-.eE ntrufalsk\\";
        for (var i = 0; i < 5000; i++)
        {
            var json = Head(RelayPacket.Write(RandomHeader(random))).ToList();
            for (var edits = random.Next(1, 4); edits > 0 && json.Count > 0; edits--)
            {
                var at = random.Next(json.Count);
                switch (random.Next(3))
                {
                    case 0: json.RemoveAt(at); break;
                    case 1: json.Insert(at, json[at]); break;
                    default: json[at] = (byte)alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            var bytes = json.ToArray();

            AssertSame(Read(bytes), Reference(bytes), bytes);
        }
    }

    /// <summary>What RelayPacket.TryRead makes of a header line now: null when it refuses it.</summary>
    private static RelayHeader? Read(byte[] head)
    {
        byte[] packet = [.. head, (byte)'\n', (byte)'b'];
        return RelayPacket.TryRead(packet, out var header, out _) ? header : null;
    }

    /// <summary>What the serializer alone makes of it, as TryRead did before: null when it refuses it.</summary>
    private static RelayHeader? Reference(byte[] head)
    {
        try
        {
            return JsonSerializer.Deserialize(head, ImJsonContext.Default.RelayHeader);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void AssertSame(RelayHeader? actual, RelayHeader? expected, byte[] json)
    {
        var text = Encoding.UTF8.GetString(json);
        if (expected is null)
        {
            Assert.That(actual, Is.Null, text);
            return;
        }
        Assert.That(actual, Is.Not.Null, text);
        Assert.Multiple(() =>
        {
            Assert.That(actual!.Kind, Is.EqualTo(expected.Kind), text);
            Assert.That(actual.To, Is.EqualTo(expected.To), text);
            Assert.That(actual.Chan, Is.EqualTo(expected.Chan), text);
            Assert.That(actual.Id, Is.EqualTo(expected.Id), text);
            Assert.That(actual.ReceiptTopic, Is.EqualTo(expected.ReceiptTopic), text);
            Assert.That(actual.Epochs, Is.EqualTo(expected.Epochs), text);
            Assert.That(actual.Offsets, Is.EqualTo(expected.Offsets), text);
        });
    }

    private static RelayHeader RandomHeader(Random random)
    {
        string Text() => random.Next(6) switch
        {
            0 => "",
            1 => "é\"\\/\n\u2028" + random.Next(),
            2 => new string('x', random.Next(1, 300)),
            _ => "c" + random.Next(100000),
        };
        List<string>? Texts() => random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(0, 5)).Select(_ => Text()).ToList();
        List<long>? Longs() => random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(3) == 0 ? long.MaxValue - random.Next(10) : random.NextInt64(-5, 1_000_000)).ToList();
        string? Maybe() => random.Next(2) == 0 ? null : Text();
        return new RelayHeader(Kinds[random.Next(Kinds.Length)], Texts(), Maybe(), Maybe(), Maybe(), Texts(), Longs());
    }

    private static byte[] Head(byte[] packet) => packet[..Array.IndexOf(packet, (byte)'\n')];
}
