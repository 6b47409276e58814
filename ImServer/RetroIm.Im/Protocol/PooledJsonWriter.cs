using System.Buffers;
using System.Text.Json;

namespace RetroIm.Im.Protocol;

/// <summary>
/// Writes a small JSON document with a writer and buffer kept per thread, and returns exactly the bytes written: the
/// result is the only allocation, where a new buffer and writer per document cost about four times the bytes (a
/// message frame: ~1.2 KB against ~0.2 KB). A buffer that grew past <see cref="KeepAtMost"/> is let go after use, so a
/// thread never holds on to a large payload's buffer.
/// </summary>
internal static class PooledJsonWriter
{
    private const int KeepAtMost = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Runs <paramref name="write"/> (synchronous; it must not write another document on this thread meanwhile) and
    /// returns what it wrote, without its last <paramref name="dropLast"/> bytes.
    /// </summary>
    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> write, int dropLast = 0)
        where TState : allows ref struct
        => Run(state, write, dropLast, default, entry: false);

    /// <summary>
    /// Runs <paramref name="write"/> (a JSON object) and returns the batch entry (<see cref="RelayBatch.Entry"/>) of the
    /// packet with that object as its header and <paramref name="body"/> as its body, with no copy of the header between.
    /// </summary>
    public static byte[] WriteEntry<TState>(TState state, Action<Utf8JsonWriter, TState> write, ReadOnlySpan<byte> body)
        where TState : allows ref struct
        => Run(state, write, 1, body, entry: true);

    private static byte[] Run<TState>(TState state, Action<Utf8JsonWriter, TState> write, int dropLast, ReadOnlySpan<byte> body, bool entry)
        where TState : allows ref struct
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        var writer = t_writer;
        if (writer is null) t_writer = writer = new Utf8JsonWriter(buffer);
        else writer.Reset(buffer);
        try
        {
            write(writer, state);
            writer.Flush();
            var written = buffer.WrittenSpan[..^dropLast];
            return entry ? RelayBatch.Entry(written, body) : written.ToArray();
        }
        finally
        {
            if (buffer.Capacity > KeepAtMost)
            {
                t_buffer = null;
                t_writer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }
}
