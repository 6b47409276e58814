using System.Net;
using RetroIm.Relay.Connections;
using RetroIm.Relay.Hosting;

namespace RetroIm.ImServer.Tests.Security;

[TestFixture]
public sealed class ConnectRateLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");

    [Test]
    public void TryAcquire_BurstUsedUp_RefusedWithRetryAfterThenRefilled()
    {
        var clock = new ManualClock();
        var limiter = new ConnectRateLimiter(perSecond: 5, limitLoopback: false, clock);

        for (var i = 0; i < 5; i++) Assert.That(limiter.TryAcquire(Client, out _), Is.True, $"connect {i} is within the burst");
        Assert.That(limiter.TryAcquire(Client, out var retryAfter), Is.False);
        Assert.That(retryAfter, Is.EqualTo(TimeSpan.FromMilliseconds(200)).Within(TimeSpan.FromMilliseconds(1)));

        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.That(limiter.TryAcquire(Client, out _), Is.True, "one token back after 1/rate");
        Assert.That(limiter.TryAcquire(Client, out _), Is.False);
    }

    [Test]
    public void TryAcquire_OtherAddress_HasItsOwnBucket()
    {
        var limiter = new ConnectRateLimiter(perSecond: 1, limitLoopback: false, new ManualClock());
        Assert.That(limiter.TryAcquire(Client, out _), Is.True);
        Assert.That(limiter.TryAcquire(Client, out _), Is.False);
        Assert.That(limiter.TryAcquire(IPAddress.Parse("203.0.113.8"), out _), Is.True);
    }

    [Test]
    public void TryAcquire_Ipv6SameSlash64_SharesOneBucket()
    {
        var limiter = new ConnectRateLimiter(perSecond: 1, limitLoopback: false, new ManualClock());
        Assert.That(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::1"), out _), Is.True);
        Assert.That(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:ffff::9"), out _), Is.False, "rotating within a /64 does not help");
        Assert.That(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::1"), out _), Is.True, "another /64");
    }

    [Test]
    public void TryAcquire_Ipv4MappedToIpv6_SameBucketAsIpv4()
    {
        var limiter = new ConnectRateLimiter(perSecond: 1, limitLoopback: false, new ManualClock());
        Assert.That(limiter.TryAcquire(Client, out _), Is.True);
        Assert.That(limiter.TryAcquire(Client.MapToIPv6(), out _), Is.False);
    }

    [Test]
    public void TryAcquire_Loopback_ExemptUnlessConfigured()
    {
        var exempt = new ConnectRateLimiter(perSecond: 1, limitLoopback: false, new ManualClock());
        var limited = new ConnectRateLimiter(perSecond: 1, limitLoopback: true, new ManualClock());
        for (var i = 0; i < 10; i++) Assert.That(exempt.TryAcquire(IPAddress.Loopback, out _), Is.True);
        Assert.That(limited.TryAcquire(IPAddress.Loopback, out _), Is.True);
        Assert.That(limited.TryAcquire(IPAddress.Loopback, out _), Is.False);
    }

    [Test]
    public void TryAcquire_ZeroRate_Off()
    {
        var limiter = new ConnectRateLimiter(perSecond: 0, limitLoopback: true, new ManualClock());
        for (var i = 0; i < 1000; i++) Assert.That(limiter.TryAcquire(Client, out _), Is.True);
        Assert.That(limiter.TrackedCount, Is.Zero);
    }

    [Test]
    public void TryAcquire_ManyAddressesOverTime_TableSweptOfFullBuckets()
    {
        var clock = new ManualClock();
        var limiter = new ConnectRateLimiter(perSecond: 10, limitLoopback: false, clock);
        var bytes = new byte[4];
        for (var i = 0; i < 20_000; i++)
        {
            bytes[0] = 10; bytes[1] = (byte)(i >> 16); bytes[2] = (byte)(i >> 8); bytes[3] = (byte)i;
            limiter.TryAcquire(new IPAddress(bytes), out _);
            // One new address every millisecond: each bucket refills within 100 ms, so only the recent ones matter.
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.That(limiter.TrackedCount, Is.LessThan(2100), "memory follows recently active addresses, not all ever seen");
    }

    [Test]
    public void TokenBucket_Default_IsOffAndAlwaysGrants()
    {
        var bucket = default(TokenBucket);
        Assert.That(bucket.IsEnabled, Is.False);
        Assert.That(bucket.TryTake(0, out _), Is.True);
    }

    [Test]
    public void TokenBucket_FramesBelowTheSustainedRate_NeverRefused()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(50, 100, clock.GetTimestamp(), clock.TimestampFrequency);
        for (var i = 0; i < 1000; i++)
        {
            Assert.That(bucket.TryTake(clock.GetTimestamp(), out _), Is.True, $"frame {i}");
            clock.Advance(TimeSpan.FromMilliseconds(25)); // 40 frames/s
        }
        for (var i = 0; i < 100; i++) Assert.That(bucket.TryTake(clock.GetTimestamp(), out _), Is.True, $"burst frame {i}");
        Assert.That(bucket.TryTake(clock.GetTimestamp(), out _), Is.False, "the 101st frame at once is over the burst");
    }
}
