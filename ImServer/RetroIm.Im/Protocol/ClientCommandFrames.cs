using System.Buffers;
using System.Text.Json;

namespace RetroIm.Im.Protocol;

/// <summary>
/// The node's answers to frames a client sends to act (<c>event</c>, <c>join</c>, <c>leave</c>, <c>publish</c>). A
/// frame that carries <c>"ackId":&lt;integer&gt;</c> is answered when done, and an error names the same ackId:
/// <code>
/// {"type":"ack","ackId":7}
/// {"type":"error","code":"forbidden","message":"…","ackId":7}
/// </code>
/// Without an ackId only errors are sent.
/// </summary>
public static class ClientCommandFrames
{
    public static byte[] Ack(long ackId)
    {
        var buffer = new ArrayBufferWriter<byte>(40);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "ack");
            w.WriteNumber("ackId", ackId);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Error(string code, string message, long? ackId)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            if (ackId is { } id) w.WriteNumber("ackId", id);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
