using System.Diagnostics;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// ImHelper:RedisWaitTimeout over a real redis-server that is stopped and restarted: every ImClient call that touches
/// Redis either waits within the bound and then gives the right answer, or throws <see cref="RedisConnectionException"/>
/// naming the endpoint and the time waited — never hangs, never answers empty or false.
/// </summary>
[TestFixture]
public sealed class ImClientRedisOutageTests
{
    private const string Client = "alice";
    private const string Chan = "retro:outage";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private RedisServer _server = null!;
    private RedisBackplane _backplane = null!;
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task StartRedisAsync()
    {
        // Append-only, as production runs it: the state below survives the restart, so answers can be checked.
        _server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        _connectionString = _server.ConnectionString + ",connectTimeout=1000,commandTimeout=1000";
    }

    [OneTimeTearDown]
    public async Task StopRedisAsync() => await _server.DisposeAsync();

    [SetUp]
    public async Task SetUpAsync()
    {
        if (!_server.IsRunning) await _server.RestartAsync();
        _backplane = new RedisBackplane(RedisOptions.Parse(_connectionString + ",prefix=t" + Guid.NewGuid().ToString("N")[..8] + ":"));
        // A node holding alice, who is in one channel: every query below has a non-empty, true answer.
        await _backplane.HeartbeatNodeAsync(new NodeInfo("n1", "ws://127.0.0.1:1", 1, 1), TimeSpan.FromMinutes(10));
        await _backplane.AddConnectionAsync(new ConnectionRegistration("n1", Client, "c1", null));
        await _backplane.AddChanMembersAsync(Chan, [Client]);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        if (!_server.IsRunning) await _server.RestartAsync();
        await _backplane.DisposeAsync();
    }

    [Test]
    public async Task EveryCall_RedisBackWithinTheBound_WaitsThenAnswersCorrectly()
    {
        await using var im = NewClient(TimeSpan.FromSeconds(25));
        await _server.StopAsync();
        var calls = EveryRedisCall(im);

        await Task.Delay(TimeSpan.FromSeconds(1)); // the outage the calls have to sit out
        var finishedEarly = calls.Where(c => c.Task.IsCompleted).Select(c => $"{c.Name}: {c.Task.Exception?.InnerException?.Message ?? "returned"}").ToArray();
        await _server.RestartAsync();
        await Task.WhenAll(calls.Select(c => c.Task.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);

        Assert.That(finishedEarly, Is.Empty, "no call gives up (or answers) while Redis is away within the bound");
        Assert.Multiple(() =>
        {
            foreach (var (name, task) in calls) Assert.That(task.IsCompletedSuccessfully, Is.True, $"{name}: {task.Exception?.InnerException}");
        });
        Assert.Multiple(() =>
        {
            Assert.That(Result<string>(calls, "PrevConnectServerAsync"), Does.StartWith("ws://127.0.0.1:1/ws?token="));
            Assert.That(Result<bool>(calls, "HasOnlineAsync"), Is.True);
            Assert.That(Result<IReadOnlyList<string>>(calls, "GetClientListByOnlineAsync"), Does.Contain(Client));
            Assert.That(Result<IReadOnlyList<string>>(calls, "GetChanClientListAsync"), Does.Contain(Client));
            Assert.That(Result<IReadOnlyList<string>>(calls, "GetChanListByClientIdAsync"), Does.Contain(Chan));
            Assert.That(Result<long>(calls, "GetChanOnlineAsync"), Is.EqualTo(1));
            Assert.That(Result<IReadOnlyList<ChanInfo>>(calls, "GetChanListAsync").Select(c => c.Chan), Does.Contain(Chan));
            Assert.That(Result<IReadOnlyList<NodeInfo>>(calls, "GetNodesAsync").Select(n => n.Id), Does.Contain("n1"));
            Assert.That(Result<SendReceipt?>(calls, "SendMessageAsync(receipt)"), Is.Not.Null);
        });
        Assert.That(await _backplane.GetClientChansAsync(Client), Does.Contain(Chan + ":joined").And.Not.Contain(Chan + ":left"));
    }

    [Test]
    public async Task EveryCall_RedisStaysDown_ThrowsRedisConnectionExceptionAfterTheBound()
    {
        var bound = TimeSpan.FromSeconds(1.5);
        await using var im = NewClient(bound);
        await _server.StopAsync();
        var clock = Stopwatch.StartNew();

        var calls = EveryRedisCall(im);
        await Task.WhenAll(calls.Select(c => c.Task.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);

        AssertEveryCallThrewNamingRedis(calls, "gave up after");
        // Each gives up at the bound, plus at most one attempt's command timeout (1 s here).
        Assert.That(clock.Elapsed, Is.InRange(bound - TimeSpan.FromMilliseconds(100), bound + TimeSpan.FromSeconds(6)));
        foreach (var (name, task) in calls) Assert.That(Elapsed(task.Exception!.InnerException!), Is.GreaterThanOrEqualTo(1.4), name);
    }

    [Test]
    public async Task EveryCall_FailFast_ThrowsRedisConnectionExceptionAtOnce()
    {
        await using var im = NewClient(TimeSpan.Zero);
        await _server.StopAsync();
        var clock = Stopwatch.StartNew();

        var calls = EveryRedisCall(im);
        await Task.WhenAll(calls.Select(c => c.Task.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);

        AssertEveryCallThrewNamingRedis(calls, "fail fast");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "never hangs: at most one command timeout (1 s here)");
    }

    private Im.ImClient NewClient(TimeSpan redisWait)
        => new(_backplane, new ImHelperOptions { RedisWaitTimeout = redisWait, ReceiptTimeout = TimeSpan.FromSeconds(1) });

    private void AssertEveryCallThrewNamingRedis(IReadOnlyList<(string Name, Task Task)> calls, string how)
    {
        Assert.Multiple(() =>
        {
            foreach (var (name, task) in calls)
            {
                Assert.That(task.IsFaulted, Is.True, $"{name} must throw, not answer: {task.Status}");
                if (!task.IsFaulted) continue;
                var error = task.Exception!.InnerException!;
                Assert.That(error, Is.TypeOf<RedisConnectionException>(), $"{name}: {error}");
                Assert.That(error.Message, Does.Contain($"127.0.0.1:{_server.Port}").And.Contain(how).And.Contain("ImHelper:RedisWaitTimeout"), name);
            }
        });
    }

    /// <summary>The seconds an outage message says were waited ("… after 1.5 s …").</summary>
    private static double Elapsed(Exception error)
    {
        var match = System.Text.RegularExpressions.Regex.Match(error.Message, @"after (\d+(\.\d+)?) s");
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    private static T Result<T>(IReadOnlyList<(string Name, Task Task)> calls, string name)
        => ((Task<T>)calls.Single(c => c.Name == name).Task).Result;

    /// <summary>Starts every ImClient call that touches Redis, all at once.</summary>
    private static IReadOnlyList<(string Name, Task Task)> EveryRedisCall(Im.ImClient im) =>
    [
        ("PrevConnectServerAsync", im.PrevConnectServerAsync(Client)),
        ("SendMessageAsync", im.SendMessageAsync(null, [Client], new { text = "hi" })),
        ("SendMessageAsync(receipt)", im.SendMessageAsync(null, [Client], new { text = "hi" }, receipt: true)),
        ("SendEphemeralMessageAsync", im.SendEphemeralMessageAsync(null, [Client], new { text = "hi" })),
        ("SendChanMessageAsync", im.SendChanMessageAsync(null, Chan, new { text = "hi" })),
        ("SendBroadcastMessageAsync", im.SendBroadcastMessageAsync(new { text = "hi" })),
        ("JoinChanAsync", im.JoinChanAsync(Chan + ":joined", Client)),
        ("LeaveChanAsync", im.LeaveChanAsync(Chan + ":left", Client)),
        ("GrantAsync", im.GrantAsync(Client, "event.typing")),
        ("ForceOfflineAsync", im.ForceOfflineAsync("someone-else")),
        ("GetChanListAsync", im.GetChanListAsync()),
        ("GetChanListByClientIdAsync", im.GetChanListByClientIdAsync(Client)),
        ("GetChanClientListAsync", im.GetChanClientListAsync(Chan)),
        ("GetChanOnlineAsync", im.GetChanOnlineAsync(Chan)),
        ("HasOnlineAsync", im.HasOnlineAsync(Client)),
        ("GetClientListByOnlineAsync", im.GetClientListByOnlineAsync()),
        ("GetNodesAsync", im.GetNodesAsync()),
    ];
}
