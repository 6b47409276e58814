namespace RetroIm.Im.Backplane;

/// <summary>A retained message: its offset and the client frame as published (without its <c>pos</c>).</summary>
public sealed record StreamEntry(long Offset, ReadOnlyMemory<byte> Frame);
