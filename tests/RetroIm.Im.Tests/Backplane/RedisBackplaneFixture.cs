using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// A redis-server of the fixture's own, a raw client to look at it, and for every test a <see cref="RedisBackplane"/>
/// under a fresh key prefix, so tests never see each other's keys.
/// </summary>
public abstract class RedisBackplaneFixture
{
    protected RedisServer Server { get; private set; } = null!;

    /// <summary>A plain client for commands the backplane does not offer (INFO, CLIENT PAUSE, reading keys).</summary>
    protected RedisClient Raw { get; private set; } = null!;

    /// <summary>This test's key prefix (<c>t</c> + 8 hex digits + <c>:</c>).</summary>
    protected string Prefix { get; private set; } = null!;

    protected RedisBackplane Backplane { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartRedisAsync()
    {
        Server = await RedisServer.StartAsync();
        Raw = await RedisClient.ConnectAsync(RedisOptions.Parse(Server.ConnectionString));
    }

    [OneTimeTearDown]
    public async Task StopRedisAsync()
    {
        await Raw.DisposeAsync();
        await Server.DisposeAsync();
    }

    [SetUp]
    public void CreateBackplane()
    {
        Prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        Backplane = new RedisBackplane(RedisOptions.Parse(Server.ConnectionString + ",prefix=" + Prefix));
    }

    [TearDown]
    public async Task DisposeBackplaneAsync()
    {
        await BeforeDisposeAsync();
        await Backplane.DisposeAsync();
    }

    /// <summary>Runs after each test, before its backplane is disposed (undo what the test did to the server).</summary>
    protected virtual Task BeforeDisposeAsync() => Task.CompletedTask;
}
