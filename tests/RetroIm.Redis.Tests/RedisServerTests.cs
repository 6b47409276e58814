using RetroIm.Testing;

namespace RetroIm.Redis.Tests;

/// <summary>The shared test helper itself: other test projects rely on it.</summary>
[TestFixture]
public sealed class RedisServerTests
{
    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    [Test]
    public void StartAsync_ExecutableNotFound_SaysWhatToInstall()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(
            () => RedisServer.StartAsync(new RedisServerOptions { Executable = "retroim-no-such-redis-server" }));

        Assert.That(error!.Message, Does.Contain("'retroim-no-such-redis-server' was not found on PATH")
            .And.Contain("apt-get install redis-server"));
    }

    [Test]
    public async Task RestartAsync_ComesBackOnTheSamePort()
    {
        await using var server = await RedisServer.StartAsync();
        var port = server.Port;
        var firstPid = server.ProcessId!.Value;

        await server.RestartAsync();

        Assert.That(server.Port, Is.EqualTo(port));
        Assert.That(server.ProcessId, Is.Not.EqualTo(firstPid));
        Assert.That(IsAlive(firstPid), Is.False);
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString));
        Assert.That((await client.ExecuteAsync("CONFIG GET", "port")).Items[1].AsString(), Is.EqualTo(port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task DisposeAsync_LeavesNoProcessOrDirectory()
    {
        var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;
        var directory = server.DataDirectory;

        await server.DisposeAsync();

        Assert.That(IsAlive(pid), Is.False);
        Assert.That(Directory.Exists(directory), Is.False);
        Assert.That(server.IsRunning, Is.False);
    }

    [Test]
    public async Task KillAsync_ThenRestart_AppendOnlyDataSurvives()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        await using (var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString)))
        {
            await client.ExecuteAsync("SET", "kept", "yes");
        }

        await server.KillAsync();
        Assert.That(server.IsRunning, Is.False);
        await server.RestartAsync();

        await using var after = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString));
        Assert.That((await after.ExecuteAsync("GET", "kept")).AsString(), Is.EqualTo("yes"));
    }

    [Test]
    public async Task StartAsync_DefaultsAndExtraArgs_Applied()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { ExtraArgs = ["--maxclients", "77"] });
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString));

        Assert.That((await client.ExecuteAsync("CONFIG GET", "maxclients")).Items[1].AsString(), Is.EqualTo("77"));
        Assert.That((await client.ExecuteAsync("CONFIG GET", "appendonly")).Items[1].AsString(), Is.EqualTo("no"));
        Assert.That((await client.ExecuteAsync("CONFIG GET", "save")).Items[1].AsString(), Is.Empty);
        Assert.That((await client.ExecuteAsync("CONFIG GET", "bind")).Items[1].AsString(), Is.EqualTo("127.0.0.1"));
    }

    [Test]
    public void StartAsync_InvalidArgument_FailsWithRedisOutput()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(() =>
            RedisServer.StartAsync(new RedisServerOptions { ExtraArgs = ["--no-such-option", "1"] }));

        Assert.That(error!.Message, Does.Contain("no-such-option"));
    }

    [Test]
    public void GetFreePort_ManyCalls_DistinctAndBelowTheEphemeralRange()
    {
        var ports = TestPorts.GetFreePorts(50);

        Assert.That(ports, Is.Unique);
        Assert.That(ports, Is.All.InRange(10_000, 32_767));
    }
}
