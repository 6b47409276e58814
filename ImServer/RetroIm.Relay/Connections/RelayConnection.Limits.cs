namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // Touched only by the receive loop, so it needs no lock; a struct, so an idle connection pays no allocation.
    private TokenBucket _frameRate;

    /// <summary>Limits the data frames this client may send (<c>ImServer:FramesPerSecond</c> with a burst of <c>FrameBurst</c>).</summary>
    public void LimitFrameRate(int perSecond, int burst)
        => _frameRate = new TokenBucket(perSecond, burst, _time.GetTimestamp(), _time.TimestampFrequency);

    /// <summary>Counts one client frame against the rate limit; false when the client is over it.</summary>
    private bool TakeFrameToken() => _frameRate.TryTake(_time.GetTimestamp(), out _);
}
