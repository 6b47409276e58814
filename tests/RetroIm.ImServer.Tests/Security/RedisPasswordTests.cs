using RetroIm.Im;
using RetroIm.Im.Backplane;
using RetroIm.Redis;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>A Redis that requires a password (<c>requirepass</c>): nodes and ImHelper authenticate with <c>password=</c>.</summary>
[TestFixture]
public sealed class RedisPasswordTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Node_PasswordInConnectionString_ConnectsAndDeliversEndToEnd()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = password });
        // Later command-line values win: this replaces the password-less ImServer:Redis the helper passes.
        await using var node = await ImServerProcess.StartAsync(redis.Port, [$"--ImServer:Redis={redis.ConnectionString}"]);
        await using var backplane = new RedisBackplane(RedisOptions.Parse(redis.ConnectionString));
        await using var im = new ImClient(backplane);

        var url = await im.PrevConnectServerAsync("pw-client");
        await using var socket = await TestWebSocketClient.ConnectAsync(url);
        await socket.ExpectWelcomeAsync(Bound);
        await im.SendMessageAsync(null, ["pw-client"], "through an authenticated Redis");
        var message = await socket.ExpectAsync("message", Bound);

        Assert.That(message.MessageData.GetString(), Is.EqualTo("through an authenticated Redis"));
        Assert.That(ProgramOutput(node.Log.All()), Does.Not.Contain(password), "the password never reaches the node's log");
    }

    [Test]
    public async Task Node_WrongPassword_NeverHealthyAndPasswordNotLogged()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = password });

        var failure = Assert.CatchAsync(() => ImServerProcess.StartAsync(redis.Port, [$"--ImServer:Redis=127.0.0.1:{redis.Port},password={wrong}"],
            startTimeout: TimeSpan.FromSeconds(6)));

        Assert.That(failure, Is.InstanceOf<TimeoutException>().Or.InstanceOf<InvalidOperationException>());
        Assert.That(ProgramOutput(failure!.Message), Does.Not.Contain(wrong), "the node's output (in the message) does not show the password");
    }

    /// <summary>What the program wrote: the test log's own "[cmd]" line shows the command line, password included.</summary>
    internal static string ProgramOutput(string log)
        => string.Join('\n', log.Split('\n').Where(line => !line.Contains(" [cmd] ", StringComparison.Ordinal)));
}
