namespace RetroIm.Im;

/// <summary>A channel with its member count and how many members are online now.</summary>
/// <param name="Chan">The channel name.</param>
/// <param name="Members">Members, online or not (membership lasts until <see cref="ImClient.LeaveChanAsync(string, string[])"/>).</param>
/// <param name="Online">Members with at least one live connection.</param>
public sealed record ChanInfo(string Chan, long Members, long Online);
