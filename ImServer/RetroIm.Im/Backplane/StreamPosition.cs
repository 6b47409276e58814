namespace RetroIm.Im.Backplane;

/// <summary>A position in a message stream: the stream's epoch and the offset (1, 2, 3… within the epoch).</summary>
public sealed record StreamPosition(string Epoch, long Offset);
