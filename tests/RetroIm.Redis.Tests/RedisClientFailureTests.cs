using System.Diagnostics;
using RetroIm.Testing;

namespace RetroIm.Redis.Tests;

/// <summary>Wrong passwords, timeouts, restarts and crashes, each on its own real redis-server.</summary>
[TestFixture]
public sealed class RedisClientFailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task ConnectAsync_WrongPassword_ThrowsConnectionExceptionNamingAuth()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { Password = "right-password" });
        var options = RedisOptions.Parse($"127.0.0.1:{server.Port},password=wrong-password");

        var error = Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(options));

        Assert.That(error!.Message, Does.Contain("AUTH").And.Contain("WRONGPASS").And.Not.Contain("wrong-password"));
        Assert.That(error.InnerException, Is.TypeOf<RedisServerException>().With.Property(nameof(RedisServerException.ErrorCode)).EqualTo("WRONGPASS"));
    }

    [Test]
    public async Task ConnectAsync_RightPasswordWithAndWithoutUser_Works()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { Password = "p@ss word" });
        await using var plain = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString));
        await using var withUser = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",user=default"));

        Assert.That((await plain.ExecuteAsync("PING")).AsString(), Is.EqualTo("PONG"));
        Assert.That((await withUser.ExecuteAsync("ACL WHOAMI")).AsString(), Is.EqualTo("default"));
    }

    [Test]
    public async Task ExecuteAsync_NoPasswordGivenButRequired_ThrowsNoAuth()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { Password = "secret" });
        await using var client = new RedisClient(RedisOptions.Parse($"127.0.0.1:{server.Port}"));

        var error = Assert.ThrowsAsync<RedisServerException>(() => client.ExecuteAsync("GET", "k"));

        Assert.That(error!.ErrorCode, Is.EqualTo("NOAUTH"));
    }

    [Test]
    public void ConnectAsync_NothingListening_ThrowsConnectionExceptionQuickly()
    {
        var options = new RedisOptions { Port = TestPorts.GetFreePort(), ConnectTimeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(options));

        Assert.That(error!.Message, Does.Contain(options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task ExecuteAsync_ServerPaused_TimesOutThenWorksAgain()
    {
        await using var redis = await PausableRedis.StartAsync();
        var (client, admin) = (redis.Client, redis.Admin);

        await admin.ExecuteAsync("CLIENT PAUSE", 2000);
        var clock = Stopwatch.StartNew();
        var error = Assert.ThrowsAsync<RedisTimeoutException>(() => client.ExecuteAsync("GET", "k"));
        var timedOutAfter = clock.Elapsed;

        // Every client is paused, so the admin's PING returns exactly when the pause ends: no sleeping.
        await admin.ExecuteAsync("PING").WaitAsync(Bound);
        var echo = await client.ExecuteAsync("ECHO", "after-pause").WaitAsync(Bound);

        Assert.That(error!.Message, Does.Contain("300 ms"));
        Assert.That(timedOutAfter, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.LessThan(TimeSpan.FromMilliseconds(1900)));
        Assert.That(echo.AsString(), Is.EqualTo("after-pause"), "the late GET reply went to the timed-out command, not this one");
        Assert.That(client.IsConnected, Is.True);
    }

    [Test]
    public async Task ExecuteInOrderAsync_PipelineHalfAnsweredThenTimesOut_ItsLateRepliesNeverReachLaterCommands()
    {
        await using var redis = await PausableRedis.StartAsync();
        var (client, admin) = (redis.Client, redis.Admin);

        // Paused for writes: the first GET is answered, the SET (and what follows it) waits for the pause to end.
        await admin.ExecuteAsync("CLIENT", "PAUSE", 2000, "WRITE");
        var error = Assert.ThrowsAsync<RedisTimeoutException>(() => client.ExecuteInOrderAsync(
            new RedisPipeline().Add("GET", "k").Add("SET", "k", "after").Add("GET", "k")));
        await admin.ExecuteAsync("CLIENT", "UNPAUSE");
        var echo = await client.ExecuteAsync("ECHO", "next").WaitAsync(Bound);

        Assert.That(error!.Message, Does.Contain("3 pipelined commands (GET, …)").And.Contain("300 ms"));
        Assert.That(echo.AsString(), Is.EqualTo("next"), "the pipeline's two late replies were matched to it, not to this");
        Assert.That((await client.ExecuteAsync("GET", "k")).AsString(), Is.EqualTo("after"), "written, so it ran once the pause ended");
    }

    [Test]
    public async Task ExecuteInOrderAsync_RedisKilledWithPipelinePending_FailsWithConnectionException()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",commandTimeout=10000"));
        var pending = client.ExecuteInOrderAsync(new RedisPipeline().Add("PING").Add("BLPOP", "never", 8).Add("PING"));

        await server.KillAsync();

        var error = Assert.ThrowsAsync<RedisConnectionException>(() => pending.WaitAsync(Bound));
        Assert.That(error!.Message, Does.Contain("lost before the reply to 3 pipelined commands (PING, …)"));
    }

    [Test]
    public async Task ExecuteAsync_AfterRedisRestart_ReconnectsAndSucceeds()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",poolsize=2"), TestLogger.Instance);
        Assert.That((await client.ExecuteAsync("INCR", "n")).AsInt64(), Is.EqualTo(1));

        await server.RestartAsync();

        Assert.That((await client.ExecuteAsync("INCR", "n").WaitAsync(Bound)).AsInt64(), Is.EqualTo(1), "fresh, data-less server");
        Assert.That((await client.ExecuteAsync("INCR", "n").WaitAsync(Bound)).AsInt64(), Is.EqualTo(2), "the other pooled connection reconnects too");
    }

    [Test]
    public async Task ExecuteAsync_RedisKilledWhileCommandPending_FailsWithConnectionException()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",commandTimeout=10000"));
        var blocked = client.ExecuteAsync("BLPOP", "never", 8);

        await server.KillAsync();

        var error = Assert.ThrowsAsync<RedisConnectionException>(() => blocked.WaitAsync(Bound));
        Assert.That(error!.Message, Does.Contain("lost"));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task ExecuteAsync_RedisDown_FailsFastThenRecoversWhenBack()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",connectTimeout=1000"));
        await server.StopAsync();
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));
        Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2.5)), "bounded by connectTimeout, never a hang");

        await server.RestartAsync();

        Assert.That((await client.ExecuteAsync("PING").WaitAsync(Bound)).AsString(), Is.EqualTo("PONG"));
    }

    /// <summary>A redis-server of its own, a client that gives up after 300 ms and an admin that waits; <c>k</c> = "before".</summary>
    private sealed class PausableRedis : IAsyncDisposable
    {
        private readonly RedisServer _server;

        private PausableRedis(RedisServer server, RedisClient client, RedisClient admin) => (_server, Client, Admin) = (server, client, admin);

        public RedisClient Client { get; }

        public RedisClient Admin { get; }

        public static async Task<PausableRedis> StartAsync()
        {
            var server = await RedisServer.StartAsync();
            var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",commandTimeout=300"), TestLogger.Instance);
            var admin = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString + ",commandTimeout=10000"));
            await client.ExecuteAsync("SET", "k", "before");
            return new PausableRedis(server, client, admin);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Admin.DisposeAsync();
            await _server.DisposeAsync();
        }
    }
}
