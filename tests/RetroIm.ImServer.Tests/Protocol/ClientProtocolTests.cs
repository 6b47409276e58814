using System.Text;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Protocol;

[TestFixture]
public sealed class ClientProtocolTests : ClusterTestBase
{
    [Test]
    public async Task Ping_OpenConnection_AnsweredWithPong()
    {
        var socket = await ConnectToAsync(NewId("ping"), NodeA);

        await socket.SendTextAsync("""{"type":"ping"}""");

        await socket.ExpectAsync("pong", Bound);
    }

    [TestCase("{not json")]
    [TestCase("[1,2,3]")]
    [TestCase("\"just a string\"")]
    [TestCase("{\"type\":42}")]
    [TestCase("{\"type\":\"ping\"} trailing")]
    public async Task MalformedFrame_OpenConnection_ErrorFrameAndConnectionKeepsWorking(string frame)
    {
        var client = NewId("badjson");
        var socket = await ConnectToAsync(client, NodeB);

        await socket.SendTextAsync(frame);

        var error = await socket.ExpectAsync("error", Bound);
        Assert.That(error.Str("code"), Is.EqualTo(ImErrorCodes.BadJson));
        Assert.That(error.Str("message"), Is.Not.Null.And.Not.Empty);
        await socket.SendTextAsync("""{"type":"ping"}""");
        await socket.ExpectAsync("pong", Bound);
        await Cluster.Client.SendMessageAsync(null, [client], new { text = "still delivered" });
        var message = await socket.ExpectAsync("message", Bound);
        Assert.That(message.MessageData.GetProperty("text").GetString(), Is.EqualTo("still delivered"));
    }

    [Test]
    public async Task UnknownType_OpenConnection_ErrorFrameAndConnectionKeepsWorking()
    {
        var socket = await ConnectToAsync(NewId("unknown"), NodeA);

        await socket.SendTextAsync("""{"type":"subscribe","chan":"x"}""");

        var error = await socket.ExpectAsync("error", Bound);
        Assert.That(error.Str("code"), Is.EqualTo(ImErrorCodes.UnknownType));
        await socket.SendTextAsync("""{"type":"ping"}""");
        await socket.ExpectAsync("pong", Bound);
    }

    [Test]
    public async Task OversizedFrame_OpenConnection_ClosedWith1009()
    {
        var client = NewId("oversize");
        var socket = await ConnectToAsync(client, NodeA);
        var big = "{\"type\":\"ping\",\"pad\":\"" + new string('x', 70 * 1024) + "\"}";
        Assert.That(Encoding.UTF8.GetByteCount(big), Is.GreaterThan(64 * 1024));

        await socket.SendTextAsync(big);

        var close = await socket.WaitClosedAsync(Bound);
        Assert.That(close.Status, Is.EqualTo(ImCloseCodes.MessageTooBig), close.ToString());
        await Cluster.Presence.WaitForAsync(RetroIm.Im.PresenceEvent.Offline, client, Bound);
    }

    [Test]
    public async Task FrameJustUnderTheLimit_OpenConnection_Accepted()
    {
        var socket = await ConnectToAsync(NewId("nearlimit"), NodeA);
        var prefix = "{\"type\":\"ping\",\"pad\":\"";
        var frame = prefix + new string('x', 64 * 1024 - prefix.Length - 2) + "\"}";
        Assert.That(Encoding.UTF8.GetByteCount(frame), Is.EqualTo(64 * 1024));

        await socket.SendTextAsync(frame);

        await socket.ExpectAsync("pong", Bound);
    }

    [Test]
    public async Task BinaryFrame_OpenConnection_ClosedWith1008()
    {
        var socket = await ConnectToAsync(NewId("binary"), NodeB);

        await socket.SendBinaryAsync("""{"type":"ping"}"""u8.ToArray());

        var close = await socket.WaitClosedAsync(Bound);
        Assert.That(close.Status, Is.EqualTo(ImCloseCodes.PolicyViolation), close.ToString());
    }
}
