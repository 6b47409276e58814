namespace RetroIm.Im.Backplane;

/// <summary>
/// A node's live figures, measured by the node over its last heartbeat interval and published with its
/// <see cref="NodeInfo"/> (Redis: <c>im:nodeinfo:{nodeId}</c>), so the business, imctl and the admin page read every
/// node's load from one place.
/// </summary>
/// <param name="AtMs">Unix milliseconds when the figures were taken.</param>
/// <param name="Clients">Distinct clients with at least one connection on the node.</param>
/// <param name="Chans">Channels with at least one local member (the node is subscribed to each).</param>
/// <param name="MessagesOutPerSec">Frames written to client sockets per second.</param>
/// <param name="MessagesInPerSec">Text frames received from client sockets per second.</param>
/// <param name="BytesOutPerSec">Bytes of frames written per second.</param>
/// <param name="BytesInPerSec">Bytes of frames received per second.</param>
/// <param name="QueueDrops">Connections closed as slow consumers since the node started.</param>
/// <param name="MessagesOut">Frames written since the node started.</param>
/// <param name="MessagesIn">Frames received since the node started.</param>
public sealed record NodeStats(
    long AtMs,
    long Clients,
    long Chans,
    double MessagesOutPerSec,
    double MessagesInPerSec,
    double BytesOutPerSec,
    double BytesInPerSec,
    long QueueDrops,
    long MessagesOut,
    long MessagesIn);
