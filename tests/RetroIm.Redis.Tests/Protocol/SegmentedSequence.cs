using System.Buffers;

namespace RetroIm.Redis.Tests.Protocol;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, the way a pipe hands over bytes split by TCP.</summary>
internal static class SegmentedSequence
{
    /// <summary>The bytes as two segments split at <paramref name="offset"/> (either may be empty).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int offset) =>
        Create([bytes.AsMemory(0, offset), bytes.AsMemory(offset)]);

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(ReadOnlyMemory<byte> bytes)
    {
        var parts = new ReadOnlyMemory<byte>[bytes.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = bytes.Slice(i, 1);
        }

        return Create(parts);
    }

    public static ReadOnlySequence<byte> Create(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        if (parts.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Count; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
