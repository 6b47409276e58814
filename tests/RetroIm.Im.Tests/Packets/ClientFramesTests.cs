using System.Text;
using System.Text.Json;
using NUnit.Framework;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.Packets;

/// <summary>
/// <see cref="ClientFrames"/> writes with a writer and buffer kept per thread (<see cref="PooledJsonWriter"/>): every
/// frame must come out whole and alone, whatever the frame before it on the same thread did.
/// </summary>
[TestFixture]
public sealed class ClientFramesTests
{
    [Test]
    public void Message_ExactFrame_NothingOfTheLongerFrameBeforeIt()
    {
        var longer = ClientFrames.Message("id-1", "sender-with-a-long-name", "retro:1", 1, """{"text":"a longer payload than the next"}"""u8);
        var frame = ClientFrames.Message("id-2", null, null, 2, "7"u8);

        Assert.That(Encoding.UTF8.GetString(frame), Is.EqualTo("""{"type":"message","id":"id-2","from":null,"chan":null,"ts":2,"data":7}"""));
        Assert.That(longer, Is.Not.SameAs(frame));
        Assert.That(Encoding.UTF8.GetString(longer), Does.EndWith("""{"text":"a longer payload than the next"}}"""), "an earlier frame is not overwritten");
    }

    [Test]
    public void Message_InvalidPayload_Throws_AndTheNextFrameOnTheThreadIsWhole()
    {
        Assert.That(() => ClientFrames.Message("bad", null, null, 1, """{"unclosed":"""u8), Throws.InstanceOf<JsonException>());

        var frame = ClientFrames.Message("good", null, null, 1, """{"ok":true}"""u8);

        Assert.That(Encoding.UTF8.GetString(frame), Is.EqualTo("""{"type":"message","id":"good","from":null,"chan":null,"ts":1,"data":{"ok":true}}"""));
    }

    [Test]
    public void Message_PayloadPastTheKeptBufferSize_WholeFrame_AndTheNextOneToo()
    {
        var big = "\"" + new string('x', 100_000) + "\"";
        var frame = ClientFrames.Message("big", null, null, 1, Encoding.UTF8.GetBytes(big));
        var after = ClientFrames.Message("small", null, null, 1, "1"u8);

        using var doc = JsonDocument.Parse(frame);
        Assert.That(doc.RootElement.GetProperty("data").GetString(), Has.Length.EqualTo(100_000));
        Assert.That(Encoding.UTF8.GetString(after), Is.EqualTo("""{"type":"message","id":"small","from":null,"chan":null,"ts":1,"data":1}"""));
    }

    [Test]
    public void Message_ManyThreadsAtOnce_EachFrameHasItsOwnIdAndPayload()
    {
        var frames = new byte[64][];
        Parallel.For(0, frames.Length, i => frames[i] = ClientFrames.Message("id" + i, "from" + i, null, i, Encoding.UTF8.GetBytes("[" + i + "]")));

        for (var i = 0; i < frames.Length; i++)
        {
            using var doc = JsonDocument.Parse(frames[i]);
            Assert.That((doc.RootElement.GetProperty("id").GetString(), doc.RootElement.GetProperty("data")[0].GetInt32()), Is.EqualTo(("id" + i, i)));
        }
    }
}
