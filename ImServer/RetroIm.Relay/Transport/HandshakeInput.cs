using System.Net;

namespace RetroIm.Relay.Transport;

/// <summary>The parts of a <c>/ws</c> request the handshake decisions look at, whichever transport read them.</summary>
/// <param name="IsWebSocketRequest">A well-formed RFC 6455 upgrade (GET, Connection: Upgrade, Upgrade: websocket, version 13, a 16-byte key).</param>
/// <param name="Token">The <c>token</c> query parameter, empty when missing.</param>
internal readonly record struct HandshakeInput(IPAddress? RemoteAddress, string? Origin, bool IsWebSocketRequest, string Token);
