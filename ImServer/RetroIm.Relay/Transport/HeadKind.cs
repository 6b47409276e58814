namespace RetroIm.Relay.Transport;

/// <summary>What the first bytes of a connection are, as far as <see cref="UpgradeHeadParser"/> can tell.</summary>
internal enum HeadKind
{
    /// <summary>They could still be an upgrade to the relay path: read more.</summary>
    NeedMore,

    /// <summary>Anything else: hand the untouched connection to HTTP.</summary>
    NotOurs,

    /// <summary>A complete upgrade head to the relay path.</summary>
    Ours,
}
