namespace RetroIm.Im.Protocol;

/// <summary>WebSocket close codes the relay uses (RFC 6455 §7.4 plus the 4000–4999 application range).</summary>
public static class ImCloseCodes
{
    /// <summary>A frame broke the protocol (for example a binary frame).</summary>
    public const int PolicyViolation = 1008;

    /// <summary>A frame was larger than <c>ImServer:MaxFrameBytes</c>.</summary>
    public const int MessageTooBig = 1009;

    /// <summary>The node is shutting down or draining: reconnect (with a fresh connect URL).</summary>
    public const int ServiceRestart = 1012;

    /// <summary>The client did not read fast enough and its send queue overflowed: reconnect later.</summary>
    public const int TryAgainLater = 1013;

    /// <summary>The business forced the client offline (<c>ForceOfflineAsync</c>); do not reconnect by yourself.</summary>
    public const int Kicked = 4001;

    /// <summary>Nothing was received within <c>ImServer:IdleTimeout</c>.</summary>
    public const int IdleTimeout = 4002;
}
