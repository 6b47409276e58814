namespace RetroIm.Relay.Connections;

/// <summary>
/// A token bucket on <see cref="TimeProvider"/> timestamps: <c>capacity</c> tokens at most, refilled at
/// <c>perSecond</c>. A mutable struct so a connection holds one inline (no allocation); not thread-safe — the owner
/// either uses it from one loop or locks around it.
/// </summary>
internal struct TokenBucket
{
    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly double _tokensPerTick;
    private double _tokens;
    private long _updated;

    /// <param name="perSecond">Refill rate; zero or less switches the limit off.</param>
    /// <param name="capacity">The burst: how many tokens a full bucket holds (at least 1).</param>
    /// <param name="now">The current timestamp (<see cref="TimeProvider.GetTimestamp"/>); the bucket starts full.</param>
    /// <param name="frequency"><see cref="TimeProvider.TimestampFrequency"/>.</param>
    public TokenBucket(double perSecond, double capacity, long now, long frequency)
    {
        _perSecond = perSecond;
        _capacity = Math.Max(1, capacity);
        _tokensPerTick = perSecond / frequency;
        _tokens = _capacity;
        _updated = now;
    }

    /// <summary>False for <c>default</c> or a rate of zero: every take succeeds.</summary>
    public readonly bool IsEnabled => _perSecond > 0;

    /// <summary>Takes one token; when none is left, says how long until one is.</summary>
    public bool TryTake(long now, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!IsEnabled) return true;
        Refill(now);
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }
        retryAfter = TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
        return false;
    }

    /// <summary>True when the bucket has refilled completely: it then says nothing a fresh bucket would not.</summary>
    public bool IsFull(long now)
    {
        Refill(now);
        return _tokens >= _capacity;
    }

    private void Refill(long now)
    {
        var elapsed = now - _updated;
        if (elapsed <= 0) return;
        _tokens = Math.Min(_capacity, _tokens + elapsed * _tokensPerTick);
        _updated = now;
    }
}
