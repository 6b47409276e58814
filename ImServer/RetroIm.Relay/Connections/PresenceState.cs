namespace RetroIm.Relay.Connections;

/// <summary>Where a connection is in the backplane's presence count; it is removed exactly once.</summary>
internal enum PresenceState
{
    NotRegistered,
    Registered,
    Removed,
}
