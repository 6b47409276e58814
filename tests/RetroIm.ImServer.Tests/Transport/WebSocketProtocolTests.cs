using System.Buffers.Binary;
using System.Text;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// The relay speaks RFC 6455 itself on the sockets it upgrades (RelayConnection.Pipe): these drive it byte by byte
/// from a raw TCP client — control frames, fragmentation, the close handshake, and the frames it must refuse.
/// </summary>
[TestFixture]
public sealed class WebSocketProtocolTests : ClusterTestBase
{
    private const byte Fin = 0x80;
    private const int Text = 0x1, Continuation = 0x0, Close = 0x8, Ping = 0x9, Pong = 0xA;

    [Test]
    public async Task Ping_WithPayload_AnsweredByAPongEchoingIt()
    {
        await using var raw = await ConnectAsync("ping");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Ping, "are you there"u8));

        var pong = await raw.ReadFrameAsync();
        Assert.That(pong, Is.EqualTo((Pong, "are you there")));
    }

    [Test]
    public async Task FragmentedText_WithAPingBetweenTheFragments_HandledAsOneMessage()
    {
        await using var raw = await ConnectAsync("fragments");
        await raw.SendAsync([
            .. RawUpgradeClient.MaskedFrame(Text, """{"type":"""u8),
            .. RawUpgradeClient.MaskedFrame(Fin | Ping, "mid"u8),
            .. RawUpgradeClient.MaskedFrame(Fin | Continuation, "\"ping\"}"u8)]);

        var pong = await raw.ReadFrameAsync();
        var reply = await raw.ReadFrameAsync();
        Assert.Multiple(() =>
        {
            Assert.That(pong, Is.EqualTo((Pong, "mid")), "the control frame is answered in the middle of the message");
            Assert.That(reply.Opcode, Is.EqualTo(Text));
            Assert.That(reply.Payload, Does.Contain("\"pong\""), "the two fragments were one ping message");
        });
    }

    [Test]
    public async Task Frames_ArrivingOneByteAtATime_AreReassembled()
    {
        await using var raw = await ConnectAsync("bytes");
        foreach (var b in RawUpgradeClient.MaskedText("""{"type":"ping"}""")) await raw.SendAsync([b]);

        var reply = await raw.ReadFrameAsync();
        Assert.That(reply.Payload, Does.Contain("\"pong\""));
    }

    [Test]
    public async Task ClientClose_WithItsOwnCode_EchoedAndTheConnectionEnds()
    {
        await using var raw = await ConnectAsync("close");
        var body = new byte[2 + 3];
        BinaryPrimitives.WriteUInt16BigEndian(body, 4000);
        "bye"u8.CopyTo(body.AsSpan(2));
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Close, body));

        var close = await raw.ReadRawFrameAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(close.Opcode, Is.EqualTo(Close));
            Assert.That(CloseCode(close.Payload), Is.EqualTo(4000), "the client's code is echoed");
            Assert.That(await raw.ClosedAsync(Bound), Is.True, "the server ends the TCP connection after the handshake");
        });
    }

    [TestCase(new byte[] { 0x03, 0xED }, TestName = "CloseCode1005_NotAllowedOnTheWire_ProtocolError")]
    [TestCase(new byte[] { 0x03 }, TestName = "CloseBodyOfOneByte_ProtocolError")]
    [TestCase(new byte[] { 0x03, 0xE8, 0xC3, 0x28 }, TestName = "CloseReasonNotUtf8_ProtocolError")]
    public async Task InvalidClientClose_AnsweredWith1002(byte[] body)
    {
        await using var raw = await ConnectAsync("badclose");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Close, body));

        var close = await raw.ReadRawFrameAsync();
        Assert.That(CloseCode(close.Payload), Is.EqualTo(1002));
    }

    [Test]
    public async Task UnmaskedClientFrame_FailsTheConnectionWith1002()
    {
        await using var raw = await ConnectAsync("unmasked");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Text, """{"type":"ping"}"""u8, mask: false));
        await ExpectFailedAsync(raw, 1002);
    }

    [Test]
    public async Task ReservedOpcode_FailsTheConnectionWith1002()
    {
        await using var raw = await ConnectAsync("opcode");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | 0x3, "x"u8));
        await ExpectFailedAsync(raw, 1002);
    }

    [Test]
    public async Task ContinuationWithoutAMessage_FailsTheConnectionWith1002()
    {
        await using var raw = await ConnectAsync("continuation");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Continuation, "x"u8));
        await ExpectFailedAsync(raw, 1002);
    }

    [Test]
    public async Task TextThatIsNotUtf8_FailsTheConnectionWith1007()
    {
        await using var raw = await ConnectAsync("utf8");
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Text, [.. "{\"type\":\"ping\",\"x\":\""u8, 0xC3, 0x28, .. "\"}"u8]));
        await ExpectFailedAsync(raw, 1007);
    }

    [Test]
    public async Task ServerInitiatedClose_ClientAnswers_ConnectionEnds()
    {
        var id = NewId("kicked");
        await using var raw = await ConnectAsync(id, exactId: true);
        await Cluster.Client.ForceOfflineAsync(id);

        var close = await raw.ReadRawFrameAsync();
        Assert.That(close.Opcode, Is.EqualTo(Close));
        await raw.SendAsync(RawUpgradeClient.MaskedFrame(Fin | Close, close.Payload.AsSpan(0, 2)));
        Assert.That(await raw.ClosedAsync(Bound), Is.True, "the handshake is complete: the server ends the TCP connection");
    }

    private async Task<RawUpgradeClient> ConnectAsync(string name, bool exactId = false)
    {
        var url = await Cluster.IssueUrlForNodeAsync(exactId ? name : NewId(name), NodeA);
        var raw = await RawUpgradeClient.ConnectAsync(NodeA.Port);
        await raw.SendAsync(RawUpgradeClient.UpgradeHead(new Uri(url).PathAndQuery));
        var (status, _, _) = await raw.ReadResponseAsync();
        Assert.That(status, Is.EqualTo(101));
        var welcome = await raw.ReadFrameAsync();
        Assert.That(welcome.Payload, Does.Contain("\"welcome\""));
        return raw;
    }

    private async Task ExpectFailedAsync(RawUpgradeClient raw, int code)
    {
        var close = await raw.ReadRawFrameAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(close.Opcode, Is.EqualTo(Close));
            Assert.That(CloseCode(close.Payload), Is.EqualTo(code), Encoding.UTF8.GetString(close.Payload));
            Assert.That(await raw.ClosedAsync(Bound), Is.True, "a failed connection is not kept open");
        });
    }

    private static int CloseCode(byte[] payload) => payload.Length < 2 ? 0 : BinaryPrimitives.ReadUInt16BigEndian(payload);
}
