namespace RetroIm.Client;

/// <summary>The relay's welcome frame: who this connection is and which node holds it.</summary>
/// <param name="ClientId">The client id the business issued the connect URL for.</param>
/// <param name="ConnectionId">This connection (a client may have several, e.g. tabs).</param>
/// <param name="Node">The relay node's id.</param>
public sealed record ImWelcome(string ClientId, string ConnectionId, string Node);
