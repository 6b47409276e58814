namespace RetroIm.Im.Backplane;

/// <summary>What <see cref="IImBackplane.ReadStreamAsync"/> found.</summary>
/// <param name="Status">Whether the missed entries could be read.</param>
/// <param name="Epoch">The stream's current epoch; null when it has no sequence.</param>
/// <param name="LastOffset">The stream's last offset (0 without a sequence).</param>
/// <param name="Entries">With <see cref="StreamReadStatus.Ok"/>: the entries after the given offset, oldest first.</param>
public sealed record StreamReadResult(StreamReadStatus Status, string? Epoch, long LastOffset, IReadOnlyList<StreamEntry> Entries);
