namespace RetroIm.Redis.Tests;

[TestFixture]
public sealed class RedisOptionsTests
{
    [Test]
    public void Parse_EveryKey_SetsEveryProperty()
    {
        var options = RedisOptions.Parse(
            "10.0.0.5:6380,password=s3cr=t,defaultDatabase=3,poolsize=5,prefix=im1:,connectTimeout=1500,commandTimeout=2500,user=u,name=node-a");

        Assert.That(options, Is.EqualTo(new RedisOptions
        {
            Host = "10.0.0.5",
            Port = 6380,
            Password = "s3cr=t",
            Database = 3,
            PoolSize = 5,
            Prefix = "im1:",
            ConnectTimeout = TimeSpan.FromMilliseconds(1500),
            CommandTimeout = TimeSpan.FromMilliseconds(2500),
            User = "u",
            ClientName = "node-a",
        }));
    }

    [Test]
    public void Parse_HostOnly_UsesDefaults()
    {
        var options = RedisOptions.Parse("redis.local");

        Assert.That(options, Is.EqualTo(new RedisOptions { Host = "redis.local" }));
        Assert.That((options.Port, options.PoolSize, options.Database, options.Prefix), Is.EqualTo((6379, 1, 0, "")));
        Assert.That(options.CommandTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void Parse_KeysAnyCaseWithSpacesAndTrailingComma_Accepted()
    {
        var options = RedisOptions.Parse(" 127.0.0.1:7000 , POOLSIZE = 2 ,DefaultDatabase=1,");

        Assert.That((options.Host, options.Port, options.PoolSize, options.Database), Is.EqualTo(("127.0.0.1", 7000, 2, 1)));
    }

    [Test]
    public void Parse_BracketedIpv6_ReadsHostAndPort()
    {
        Assert.That(RedisOptions.Parse("[::1]:6390"), Is.EqualTo(new RedisOptions { Host = "::1", Port = 6390 }));
        Assert.That(RedisOptions.Parse("[::1]").Port, Is.EqualTo(6379));
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("password=x", "host[:port]")]
    [TestCase(",password=x", "host[:port]")]
    [TestCase("127.0.0.1:0", "port")]
    [TestCase("127.0.0.1:65536", "port")]
    [TestCase("127.0.0.1:abc", "port")]
    [TestCase(":6379", "host")]
    [TestCase("127.0.0.1,ssl=true", "unknown key \"ssl\"")]
    [TestCase("127.0.0.1,poolsize", "key=value")]
    [TestCase("127.0.0.1,poolsize=0", "poolsize")]
    [TestCase("127.0.0.1,poolsize=65", "poolsize")]
    [TestCase("127.0.0.1,defaultDatabase=-1", "defaultDatabase")]
    [TestCase("127.0.0.1,connectTimeout=fast", "connectTimeout")]
    [TestCase("127.0.0.1,commandTimeout=0", "commandTimeout")]
    [TestCase("127.0.0.1,name=a,Name=b", "twice")]
    [TestCase("[::1:6379", "IPv6")]
    public void Parse_BadString_ThrowsFormatExceptionSayingWhy(string connectionString, string reason)
    {
        var error = Assert.Throws<FormatException>(() => RedisOptions.Parse(connectionString));

        Assert.That(error!.Message, Does.StartWith("Invalid Redis connection string").And.Contain(reason));
    }

    [Test]
    public void Parse_BadValueNextToPassword_MessageDoesNotLeakThePassword()
    {
        var error = Assert.Throws<FormatException>(() => RedisOptions.Parse("127.0.0.1,password=hunter2,poolsize=x"));

        Assert.That(error!.Message, Does.Not.Contain("hunter2"));
    }

    [Test]
    public void ToString_WithPassword_MasksItAndRoundTripsEverythingElse()
    {
        var options = RedisOptions.Parse("127.0.0.1:6380,password=hunter2,user=u,defaultDatabase=2,poolsize=4,prefix=p:,connectTimeout=100,commandTimeout=200,name=n");

        var text = options.ToString();

        Assert.That(text, Does.Not.Contain("hunter2").And.Contain("password=***"));
        Assert.That(RedisOptions.Parse(text), Is.EqualTo(options with { Password = "***" }));
    }

    [Test]
    public void ToString_Defaults_IsJustTheEndpoint() =>
        Assert.That(new RedisOptions().ToString(), Is.EqualTo("127.0.0.1:6379"));

    [Test]
    public void ToString_Ipv6_RoundTrips() =>
        Assert.That(RedisOptions.Parse(new RedisOptions { Host = "::1", Port = 7000 }.ToString()).Host, Is.EqualTo("::1"));

    [Test]
    public void RedisClient_InvalidOptionsBuiltInCode_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => _ = new RedisClient(new RedisOptions { PoolSize = 0 }));
}
