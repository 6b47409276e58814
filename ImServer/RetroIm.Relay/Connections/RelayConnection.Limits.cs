using RetroIm.Im.Protocol;

namespace RetroIm.Relay.Connections;

internal sealed partial class RelayConnection
{
    // Touched only by the receive loop, so they need no lock; structs, so an idle connection pays no allocation.
    private TokenBucket _frameRate;
    private TokenBucket _controlRate;

    /// <summary>Limits the data frames this client may send (<c>ImServer:FramesPerSecond</c> with a burst of <c>FrameBurst</c>).</summary>
    public void LimitFrameRate(int perSecond, int burst)
        => _frameRate = new TokenBucket(perSecond, burst, _time.GetTimestamp(), _time.TimestampFrequency);

    /// <summary>
    /// Limits acks and pings (<c>ImServer:ControlFramesPerSecond</c>, burst <c>ControlFrameBurst</c>) apart from data
    /// frames: a client acking every message of a busy stream must not be closed as abusive, yet a flood is still bounded.
    /// </summary>
    public void LimitControlFrameRate(int perSecond, int burst)
        => _controlRate = new TokenBucket(perSecond, burst, _time.GetTimestamp(), _time.TimestampFrequency);

    /// <summary>
    /// Counts one client frame of <paramref name="type"/> against its budget; over it, closes the connection (1008) and
    /// returns false.
    /// </summary>
    private bool TakeFrameToken(string? type)
    {
        var control = type is "ping" or "ack";
        var now = _time.GetTimestamp();
        if (control ? _controlRate.TryTake(now, out _) : _frameRate.TryTake(now, out _)) return true;
        if (Close(ImCloseCodes.PolicyViolation, control ? "ack rate limit" : "rate limit")) _metrics.LimitExceeded(control ? "control_frame_rate" : "frame_rate");
        return false;
    }
}
