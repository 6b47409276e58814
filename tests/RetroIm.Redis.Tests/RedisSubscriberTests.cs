using System.Collections.Concurrent;
using System.Text;
using RetroIm.Testing;

namespace RetroIm.Redis.Tests;

[TestFixture]
public sealed class RedisSubscriberTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private RedisServer _server = null!;
    private RedisClient _publisher = null!;

    [SetUp]
    public async Task StartRedis()
    {
        _server = await RedisServer.StartAsync();
        _publisher = new RedisClient(RedisOptions.Parse(_server.ConnectionString), TestLogger.Instance);
    }

    [TearDown]
    public async Task StopRedis()
    {
        await _publisher.DisposeAsync();
        await _server.DisposeAsync();
    }

    private RedisSubscriber NewSubscriber(string extra = "") =>
        new(RedisOptions.Parse(_server.ConnectionString + extra), TestLogger.Instance);

    private Task<long> PublishAsync(string channel, string text) => _publisher.PublishAsync(channel, Encoding.UTF8.GetBytes(text));

    [Test]
    public async Task SubscribeAsync_MessagePublished_HandlerReceivesChannelAndPayload()
    {
        await using var subscriber = NewSubscriber();
        var received = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);

        await subscriber.SubscribeAsync("chan:a", (channel, payload) => received.TrySetResult((channel, Encoding.UTF8.GetString(payload.Span))));
        var receivers = await PublishAsync("chan:a", "hello");

        Assert.That(receivers, Is.EqualTo(1), "SubscribeAsync completed only after Redis confirmed");
        Assert.That(await received.Task.WaitAsync(Bound), Is.EqualTo(("chan:a", "hello")));
        Assert.That(subscriber.IsConnected, Is.True);
    }

    [Test]
    public async Task SubscribeAsync_ManyMessages_DeliveredInOrderToTheRightHandlers()
    {
        await using var subscriber = NewSubscriber();
        var a = new ConcurrentQueue<string>();
        var b = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("a", (_, p) => a.Enqueue(Encoding.UTF8.GetString(p.Span)));
        await subscriber.SubscribeAsync("b", (_, p) =>
        {
            b.Enqueue(Encoding.UTF8.GetString(p.Span));
            if (b.Count == 1000)
            {
                done.TrySetResult();
            }
        });

        var publishes = new List<Task<long>>();
        for (var i = 0; i < 1000; i++)
        {
            publishes.Add(PublishAsync("a", "a" + i));
            publishes.Add(PublishAsync("b", "b" + i));
        }

        await Task.WhenAll(publishes).WaitAsync(Bound);
        await done.Task.WaitAsync(Bound);

        Assert.That(a, Is.EqualTo(Enumerable.Range(0, 1000).Select(i => "a" + i)));
        Assert.That(b, Is.EqualTo(Enumerable.Range(0, 1000).Select(i => "b" + i)));
    }

    [Test]
    public async Task SubscribeAsync_HandlerThrows_LaterMessagesStillDelivered()
    {
        await using var subscriber = NewSubscriber();
        var second = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("boom", (_, payload) =>
        {
            var text = Encoding.UTF8.GetString(payload.Span);
            if (text == "first")
            {
                throw new InvalidOperationException("handler bug");
            }

            second.TrySetResult(text);
        });

        await PublishAsync("boom", "first");
        await PublishAsync("boom", "second");

        Assert.That(await second.Task.WaitAsync(Bound), Is.EqualTo("second"));
        Assert.That(subscriber.IsConnected, Is.True);
    }

    /// <summary>
    /// Messages Redis writes together (one script publishing 200) reach the handler in order, and BurstDelivered comes
    /// after the last of them, once per read rather than once per message.
    /// </summary>
    [Test]
    public async Task BurstDelivered_ManyMessagesWrittenTogether_RaisedAfterTheLastOncePerRead()
    {
        const int count = 200;
        await using var subscriber = NewSubscriber();
        var log = new List<string>();
        var lastFollowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("burst", (_, payload) => log.Add(Encoding.UTF8.GetString(payload.Span)));
        subscriber.BurstDelivered += () =>
        {
            log.Add("|");
            if (log.Count(e => e != "|") == count) lastFollowed.TrySetResult();
        };

        await _publisher.ExecuteAsync("EVAL", ["for i = 1, tonumber(ARGV[1]) do redis.call('PUBLISH', KEYS[1], i) end", 1, "burst", count]);
        await lastFollowed.Task.WaitAsync(Bound);

        var messages = log.SkipWhile(e => e == "|").ToList();
        Assert.That(messages.Where(e => e != "|"), Is.EqualTo(Enumerable.Range(1, count).Select(i => i.ToString())), "in order, each once");
        Assert.That(messages[^1], Is.EqualTo("|"), "raised after the last message");
        Assert.That(messages.Count(e => e == "|"), Is.LessThan(count / 4), "once per read of many messages, not once per message");
    }

    [Test]
    public async Task UnsubscribeAsync_AfterConfirmation_RedisHasNoSubscriber()
    {
        await using var subscriber = NewSubscriber();
        await subscriber.SubscribeAsync("gone", (_, _) => Assert.Fail("no message expected after unsubscribe"));
        await subscriber.SubscribeAsync("kept", (_, _) => { });

        await subscriber.UnsubscribeAsync("gone");

        Assert.That(await PublishAsync("gone", "x"), Is.Zero);
        Assert.That(await PublishAsync("kept", "x"), Is.EqualTo(1));
    }

    [Test]
    public async Task RedisRestart_SubscriberResubscribesAndReceivesAgain()
    {
        await using var subscriber = NewSubscriber();
        var messages = new ConcurrentQueue<string>();
        var nextMessage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var changes = new ConcurrentQueue<bool>();
        await subscriber.SubscribeAsync("node:1", (_, p) =>
        {
            messages.Enqueue(Encoding.UTF8.GetString(p.Span));
            nextMessage.TrySetResult();
        });
        await subscriber.SubscribeAsync("node:2", (_, _) => { });
        subscriber.ConnectionChanged += connected =>
        {
            changes.Enqueue(connected);
            (connected ? restored : lost).TrySetResult();
        };
        await PublishAsync("node:1", "before");
        await nextMessage.Task.WaitAsync(Bound);
        nextMessage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await _server.RestartAsync();
        await lost.Task.WaitAsync(Bound);
        await restored.Task.WaitAsync(Bound);

        Assert.That(subscriber.IsConnected, Is.True);
        Assert.That((await _publisher.ExecuteAsync("PUBSUB NUMSUB", "node:1", "node:2")).Items.Select(i => i.AsString()),
            Is.EqualTo(new[] { "node:1", "1", "node:2", "1" }), "every channel resubscribed before ConnectionChanged(true)");
        Assert.That(await PublishAsync("node:1", "after"), Is.EqualTo(1));
        await nextMessage.Task.WaitAsync(Bound);
        Assert.That(messages, Is.EqualTo(new[] { "before", "after" }));
        Assert.That(changes, Is.EqualTo(new[] { false, true }));
    }

    [Test]
    public async Task SubscribeAsync_WhileRedisDown_TimesOutButSubscribesOnceBack()
    {
        await using var subscriber = NewSubscriber(",commandTimeout=300");
        await subscriber.SubscribeAsync("first", (_, _) => { });
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ConnectionChanged += connected => (connected ? restored : lost).TrySetResult();
        await _server.StopAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var error = Assert.ThrowsAsync<RedisTimeoutException>(() =>
            subscriber.SubscribeAsync("late", (_, p) => received.TrySetResult(Encoding.UTF8.GetString(p.Span))));
        await _server.RestartAsync();
        await lost.Task.WaitAsync(Bound);
        await restored.Task.WaitAsync(Bound);
        await PublishAsync("late", "made it");

        Assert.That(error!.Message, Does.Contain("stays registered"));
        Assert.That(await received.Task.WaitAsync(Bound), Is.EqualTo("made it"));
    }

    [Test]
    public async Task DisposeAsync_StopsTheConnection()
    {
        var subscriber = NewSubscriber();
        await subscriber.SubscribeAsync("x", (_, _) => { });

        await subscriber.DisposeAsync();

        Assert.That(subscriber.IsConnected, Is.False);
        Assert.ThrowsAsync<ObjectDisposedException>(() => subscriber.SubscribeAsync("y", (_, _) => { }));
        Assert.That((await _publisher.ExecuteAsync("PUBSUB NUMSUB", "x")).Items[1].AsInt64(), Is.Zero);
    }

    [Test]
    public async Task KeepAlive_ServerStopsAnswering_SubscriberReconnectsAndRecovers()
    {
        await using var subscriber = NewSubscriber(",commandTimeout=300");
        subscriber.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("quiet", (_, p) => received.TrySetResult(Encoding.UTF8.GetString(p.Span)));
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ConnectionChanged += connected =>
        {
            if (!connected)
            {
                lost.TrySetResult();
            }
            else if (lost.Task.IsCompleted)
            {
                restored.TrySetResult();
            }
        };
        await using var admin = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString + ",commandTimeout=10000"));

        // A paused server keeps the socket open but answers nothing: from the client's side, a half-open link.
        await admin.ExecuteAsync("CLIENT PAUSE", 1500);
        await lost.Task.WaitAsync(Bound);
        await restored.Task.WaitAsync(Bound);
        await PublishAsync("quiet", "still here");

        Assert.That(await received.Task.WaitAsync(Bound), Is.EqualTo("still here"));
    }
}
