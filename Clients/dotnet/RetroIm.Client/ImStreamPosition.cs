namespace RetroIm.Client;

/// <summary>
/// A message's position: its stream (<c>c:{clientId}</c> for direct messages, <c>ch:{chan}</c> for a channel), the
/// stream's epoch (offsets of different epochs cannot be compared) and the offset (1, 2, 3… within the epoch).
/// </summary>
public sealed record ImStreamPosition(string Stream, string Epoch, long Offset);
