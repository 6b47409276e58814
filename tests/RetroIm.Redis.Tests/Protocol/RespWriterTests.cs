using System.Buffers;
using System.Text;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Tests.Protocol;

[TestFixture]
public sealed class RespWriterTests
{
    private static string Write(string command, params RedisArg[] args)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(buffer, command, args);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Test]
    public void WriteCommand_NoArguments_WritesOneBulkArray() =>
        Assert.That(Write("PING"), Is.EqualTo("*1\r\n$4\r\nPING\r\n"));

    [Test]
    public void WriteCommand_TextArguments_WritesArrayOfBulkStrings() =>
        Assert.That(Write("SET", "key", "value"), Is.EqualTo("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));

    [Test]
    public void WriteCommand_CommandWithSpaces_SendsEachWordAsItsOwnBulk() =>
        Assert.That(Write(" CLIENT  SETNAME ", "n"), Is.EqualTo("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$1\r\nn\r\n"));

    [Test]
    public void WriteCommand_Numbers_WritesInvariantDigits() =>
        Assert.That(Write("X", 0, -12, long.MaxValue, 1.5, -0.25, double.PositiveInfinity, double.NegativeInfinity),
            Is.EqualTo("*8\r\n$1\r\nX\r\n$1\r\n0\r\n$3\r\n-12\r\n$19\r\n9223372036854775807\r\n$3\r\n1.5\r\n$5\r\n-0.25\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n"));

    [Test]
    public void WriteCommand_EmptyString_WritesZeroLengthBulk() =>
        Assert.That(Write("GET", ""), Is.EqualTo("*2\r\n$3\r\nGET\r\n$0\r\n\r\n"));

    [Test]
    public void WriteCommand_MultiByteText_LengthCountsUtf8Bytes() =>
        Assert.That(Write("ECHO", "héé€"), Is.EqualTo("*2\r\n$4\r\nECHO\r\n$8\r\nhéé€\r\n"));

    [Test]
    public void WriteCommand_BinaryBytes_WrittenVerbatim()
    {
        var buffer = new ArrayBufferWriter<byte>();
        byte[] payload = [0, 13, 10, 255];

        RespWriter.WriteCommand(buffer, "PUBLISH", ["c", payload, new ReadOnlyMemory<byte>(payload, 1, 2)]);

        byte[] expected = [.. "*4\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$4\r\n"u8, 0, 13, 10, 255, .. "\r\n$2\r\n"u8, 13, 10, .. "\r\n"u8];
        Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void WriteCommand_LargeTextArgument_RoundTripsThroughTheReader()
    {
        var text = string.Concat(Enumerable.Repeat("ünïcode-", 20_000));
        var buffer = new ArrayBufferWriter<byte>(16);

        RespWriter.WriteCommand(buffer, "SET", ["k", text]);

        // Read back as a reply: a command is an array of bulk strings, which the reader parses too.
        Assert.That(RespReader.TryRead(new ReadOnlySequence<byte>(buffer.WrittenMemory), out var parsed, out _), Is.True);
        Assert.That(parsed!.Items.Select(i => i.AsString()), Is.EqualTo(new[] { "SET", "k", text }));
    }

    [Test]
    public void WriteCommand_NullArgument_ThrowsBeforeWritingAnything()
    {
        var buffer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => RespWriter.WriteCommand(buffer, "SET", ["k", (string?)null]));
        Assert.That(buffer.WrittenCount, Is.Zero);
    }

    [Test]
    public void WriteCommand_BlankCommand_Throws() =>
        Assert.Throws<ArgumentException>(() => RespWriter.WriteCommand(new ArrayBufferWriter<byte>(), "  ", []));
}
