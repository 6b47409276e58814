using RetroIm.Relay.Routing;

namespace RetroIm.Relay.Connections;

/// <summary>
/// One queued frame: the shared bytes (the same array for every recipient) and, when the sender asked for a receipt,
/// the tracker to tell once the socket write finished and which addressed client (<paramref name="Slot"/>) it was for.
/// </summary>
internal readonly record struct OutFrame(byte[] Data, ReceiptTracker? Receipt = null, int Slot = 0);
