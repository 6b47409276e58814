namespace RetroIm.Testing;

/// <summary>A frame was awaited but the connection had ended.</summary>
public sealed class WebSocketClosedException : Exception
{
    public WebSocketClosedException(WsCloseInfo close)
        : base("The connection ended: " + close)
    {
        Close = close;
    }

    public WsCloseInfo Close { get; }
}
