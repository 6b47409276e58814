using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// <c>ImServer:ConnectsPerSecondPerIp</c>: a token bucket per remote address (burst = the rate), checked before the
/// ticket is redeemed, so a client guessing tokens or reconnecting in a loop costs neither Redis nor an upgrade.
/// </summary>
/// <remarks>
/// IPv6 clients are keyed by their /64, the block one subscriber usually gets, or rotating addresses would defeat
/// the limit. Loopback is exempt unless <c>ImServer:RateLimitLoopback</c>: a proxy on the same host makes every user
/// look like 127.0.0.1, and throttling all of them together would be worse than no limit. Full buckets are swept when
/// the table doubles, so memory follows the number of addresses active within about a second, not all ever seen.
/// </remarks>
internal sealed class ConnectRateLimiter
{
    private const int MinSweepAt = 1024;

    private readonly ConcurrentDictionary<IPAddress, StrongBox<TokenBucket>> _buckets = new();
    private readonly TimeProvider _time;
    private readonly int _perSecond;
    private readonly bool _limitLoopback;
    private int _sweepAt = MinSweepAt;
    private int _sweeping;

    public ConnectRateLimiter(IOptions<ImRelayOptions> options, TimeProvider time)
        : this(options.Value.ConnectsPerSecondPerIp, options.Value.RateLimitLoopback, time)
    {
    }

    internal ConnectRateLimiter(int perSecond, bool limitLoopback, TimeProvider time)
    {
        _perSecond = perSecond;
        _limitLoopback = limitLoopback;
        _time = time;
    }

    /// <summary>Addresses with a bucket now (for tests of the sweep).</summary>
    internal int TrackedCount => _buckets.Count;

    /// <summary>Takes a connect token for <paramref name="address"/>; false (with the wait) when it is over the limit.</summary>
    public bool TryAcquire(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_perSecond <= 0 || address is null) return true;
        if (!_limitLoopback && IPAddress.IsLoopback(address)) return true;
        var now = _time.GetTimestamp();
        var box = _buckets.GetOrAdd(KeyOf(address), static (_, state) =>
            new StrongBox<TokenBucket>(new TokenBucket(state.Rate, state.Rate, state.Now, state.Frequency)),
            (Rate: (double)_perSecond, Now: now, Frequency: _time.TimestampFrequency));
        bool allowed;
        lock (box)
        {
            allowed = box.Value.TryTake(now, out retryAfter);
        }
        if (_buckets.Count >= Volatile.Read(ref _sweepAt)) Sweep(now);
        return allowed;
    }

    private void Sweep(long now)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        try
        {
            foreach (var (key, box) in _buckets)
            {
                bool full;
                lock (box) full = box.Value.IsFull(now);
                if (full) _buckets.TryRemove(new KeyValuePair<IPAddress, StrongBox<TokenBucket>>(key, box));
            }
            Volatile.Write(ref _sweepAt, Math.Max(MinSweepAt, _buckets.Count * 2));
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    internal static IPAddress KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
