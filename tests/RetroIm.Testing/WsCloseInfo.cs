namespace RetroIm.Testing;

/// <summary>How a <see cref="TestWebSocketClient"/>'s connection ended.</summary>
/// <param name="Status">The close code the server sent, or null when the connection dropped without a close frame.</param>
/// <param name="Description">The close reason the server sent.</param>
/// <param name="Error">The receive error when the connection dropped.</param>
public sealed record WsCloseInfo(int? Status, string? Description, Exception? Error)
{
    public override string ToString() => Status is { } s ? $"close {s} \"{Description}\"" : $"dropped ({Error?.GetType().Name}: {Error?.Message})";
}
