namespace RetroIm.Client;

/// <summary>Where an <see cref="ImConnection"/> is in its life.</summary>
public enum ImConnectionState
{
    /// <summary>Not open, and not trying: before <see cref="ImConnection.StartAsync"/>, after <see cref="ImConnection.CloseAsync"/>, after a kick (4001), or after giving up reconnecting.</summary>
    Closed,

    /// <summary><see cref="ImConnection.StartAsync"/> is connecting for the first time.</summary>
    Connecting,

    /// <summary>Connected and welcomed: frames flow both ways.</summary>
    Open,

    /// <summary>The connection dropped; a new one is being made with a fresh connect URL.</summary>
    Reconnecting,
}
