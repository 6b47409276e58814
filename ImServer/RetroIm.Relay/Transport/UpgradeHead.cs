namespace RetroIm.Relay.Transport;

/// <summary>A parsed <c>GET /ws?… HTTP/1.1</c> request head carrying <c>Upgrade: websocket</c>.</summary>
/// <param name="IsWebSocketRequest">Every RFC 6455 requirement holds (Connection: Upgrade, version 13, a 16-byte key).</param>
/// <param name="Key">Sec-WebSocket-Key, the input of Sec-WebSocket-Accept.</param>
internal sealed record UpgradeHead(bool IsWebSocketRequest, string Key, string? Origin, string Token, string Recover);
