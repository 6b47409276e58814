namespace RetroIm.Im.Backplane;

/// <summary>
/// Why <see cref="IImBackplane.TryAddChanMembersAsync"/> added nobody: <paramref name="ClientId"/> is already in
/// <paramref name="Chans"/> channels, at or past the limit it was called with.
/// </summary>
public sealed record ChanJoinRefusal(string ClientId, long Chans);
