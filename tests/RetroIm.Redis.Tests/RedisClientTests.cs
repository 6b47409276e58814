using System.Text;
using RetroIm.Testing;

namespace RetroIm.Redis.Tests;

/// <summary>Commands against one real redis-server shared by the fixture.</summary>
[TestFixture]
public sealed class RedisClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private RedisServer _server = null!;
    private RedisClient _client = null!;

    [OneTimeSetUp]
    public async Task StartRedis()
    {
        _server = await RedisServer.StartAsync();
        _client = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString), TestLogger.Instance);
    }

    [OneTimeTearDown]
    public async Task StopRedis()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static string Key() => "test:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task ExecuteAsync_SetGetIncr_RoundTrips()
    {
        var key = Key();
        var counter = Key();

        Assert.That((await _client.ExecuteAsync("SET", key, "héllo")).AsString(), Is.EqualTo("OK"));
        Assert.That((await _client.ExecuteAsync("GET", key)).AsString(), Is.EqualTo("héllo"));
        Assert.That((await _client.ExecuteAsync("INCR", counter)).AsInt64(), Is.EqualTo(1));
        Assert.That((await _client.ExecuteAsync("INCRBY", counter, 41L)).AsInt64(), Is.EqualTo(42));
        Assert.That((await _client.ExecuteAsync("GET", counter)).AsInt64(), Is.EqualTo(42));
    }

    [Test]
    public async Task ExecuteAsync_BinaryValue_ComesBackByteForByte()
    {
        var key = Key();
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await _client.ExecuteAsync("SET", key, value);

        Assert.That((await _client.ExecuteAsync("GET", key)).AsBytes(), Is.EqualTo(value));
    }

    [Test]
    public async Task ExecuteAsync_MissingKeyAndEmptyList_ReturnNullAndEmptyArray()
    {
        var missing = await _client.ExecuteAsync("GET", Key());
        var empty = await _client.ExecuteAsync("LRANGE", Key(), 0, -1);

        Assert.That((missing.Type, missing.IsNull, missing.AsString()), Is.EqualTo((RespType.BulkString, true, (string?)null)));
        Assert.That((empty.Type, empty.IsNull, empty.Items.Count), Is.EqualTo((RespType.Array, false, 0)));
    }

    [TestCase(1)]
    [TestCase(3)]
    public async Task ExecuteAsync_TenThousandConcurrentCommands_EachGetsItsOwnReply(int poolSize)
    {
        await using var client = new RedisClient(RedisOptions.Parse(_server.ConnectionString) with { PoolSize = poolSize });
        var tasks = new Task<RespValue>[10_000];

        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = i % 2 == 0 ? client.ExecuteAsync("ECHO", "value-" + i) : client.ExecuteAsync("ECHO", i);
        }

        var replies = await Task.WhenAll(tasks).WaitAsync(Bound);
        for (var i = 0; i < replies.Length; i++)
        {
            var expected = i % 2 == 0 ? "value-" + i : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(replies[i].AsString(), Is.EqualTo(expected), $"reply {i}");
        }
    }

    [Test]
    public async Task ExecuteAsync_IssuedWhileStillConnecting_RunInIssueOrder()
    {
        await using var client = new RedisClient(RedisOptions.Parse(_server.ConnectionString));
        var key = Key();

        // None of these is awaited and the first one opens the connection: all wait for it, then go out in call order.
        var pushes = Enumerable.Range(0, 2000).Select(i => client.ExecuteAsync("RPUSH", key, i)).ToArray();
        await Task.WhenAll(pushes).WaitAsync(Bound);

        var list = await client.ExecuteAsync("LRANGE", key, 0, -1);
        Assert.That(list.Items.Select(i => i.AsInt64()), Is.EqualTo(Enumerable.Range(0, 2000).Select(i => (long)i)));
    }

    [Test]
    public async Task PublishAsync_BurstOfTenThousand_IsCoalescedIntoFewFlushes()
    {
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString));
        var flushesBefore = client.FlushCount;
        var payload = Encoding.UTF8.GetBytes("{\"type\":\"message\"}");
        var publishes = new Task<long>[10_000];

        for (var i = 0; i < publishes.Length; i++)
        {
            publishes[i] = client.PublishAsync("test:burst", payload);
        }

        var receivers = await Task.WhenAll(publishes).WaitAsync(Bound);
        var flushes = client.FlushCount - flushesBefore;
        TestContext.Out.WriteLine($"10,000 publishes took {flushes} flushes");
        Assert.That(receivers, Is.All.EqualTo(0));
        Assert.That(flushes, Is.LessThan(publishes.Length / 5), "commands queued during a flush go out together");
    }

    [Test]
    public async Task ExecuteAsync_WrongType_ThrowsRedisServerExceptionWithCode()
    {
        var key = Key();
        await _client.ExecuteAsync("SET", key, "text");

        var error = Assert.ThrowsAsync<RedisServerException>(() => _client.ExecuteAsync("LPUSH", key, "x"));

        Assert.That(error!.ErrorCode, Is.EqualTo("WRONGTYPE"));
        Assert.That((await _client.ExecuteAsync("PING")).AsString(), Is.EqualTo("PONG"), "the connection stays in step");
    }

    [Test]
    public void ExecuteAsync_UnknownCommand_ThrowsRedisServerExceptionErr()
    {
        var error = Assert.ThrowsAsync<RedisServerException>(() => _client.ExecuteAsync("NOSUCHCOMMAND", "a"));

        Assert.That(error!.ErrorCode, Is.EqualTo("ERR"));
        Assert.That(error.Message, Does.Contain("unknown command"));
    }

    [Test]
    public void ExecuteAsync_NullArgument_ThrowsArgumentExceptionWithoutSending() =>
        Assert.ThrowsAsync<ArgumentException>(() => _client.ExecuteAsync("SET", Key(), (string?)null));

    [Test]
    public async Task ExecuteAsync_CancelledWhileWaiting_LaterRepliesStillMatch()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // BLPOP holds the connection's reply stream for 0.5 s; cancelling must not shift later replies.
        Assert.That(
            async () => await _client.ExecuteAsync("BLPOP", [Key(), 0.5], cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());

        Assert.That((await _client.ExecuteAsync("ECHO", "after")).AsString(), Is.EqualTo("after"));
    }

    [Test]
    public async Task EvalAsync_AfterScriptFlush_FallsBackToEvalAndWorks()
    {
        var script = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        var key = Key();

        Assert.That((await _client.ExecuteAsync("SCRIPT LOAD", script.Source)).AsString(), Is.EqualTo(script.Sha1Hex));
        Assert.That((await _client.EvalAsync(script, [key], [5])).AsInt64(), Is.EqualTo(5), "EVALSHA hit");
        await _client.ExecuteAsync("SCRIPT FLUSH");
        Assert.That((await _client.EvalAsync(script, [key], [2])).AsInt64(), Is.EqualTo(7), "NOSCRIPT, then EVAL");
        Assert.That((await _client.ExecuteAsync("SCRIPT EXISTS", script.Sha1Hex)).Items[0].AsInt64(), Is.EqualTo(1), "EVAL cached it again");
    }

    [Test]
    public async Task EvalAsync_ManyKeysAndArguments_ReachTheScriptInOrder()
    {
        // The EVAL arguments are a view over the caller's lists (source or SHA1, key count, keys, arguments): every
        // position must map to the right one, whatever the mix of kinds.
        var script = new LuaScript("local out = {} for _, k in ipairs(KEYS) do out[#out + 1] = k end out[#out + 1] = '|' for _, a in ipairs(ARGV) do out[#out + 1] = a end return out");
        RedisArg[] keys = [Key(), Key(), Key()];
        RedisArg[] args = ["text", 42, -7L, 1.5, double.PositiveInfinity, new byte[] { (byte)'b', (byte)'y' }, ""];
        var expected = keys.Select(k => k.ToString()).Append("|").Concat(["text", "42", "-7", "1.5", "+inf", "by", ""]);

        var first = await _client.EvalAsync(script, keys, args);
        await _client.ExecuteAsync("SCRIPT FLUSH");
        var afterNoScript = await _client.EvalAsync(script, keys, args);
        var withSource = await _client.EvalInOrderAsync(script, keys, args, withSource: true);

        foreach (var reply in new[] { first, afterNoScript, withSource })
        {
            Assert.That(reply.Items.Select(v => v.AsString()), Is.EqualTo(expected));
        }
        Assert.That((await _client.EvalAsync(script, [], [])).Items.Select(v => v.AsString()), Is.EqualTo(new[] { "|" }), "no keys, no arguments");
    }

    [Test]
    public async Task EvalInOrderAsync_PipelinedOnAPool_RunsInCallOrder_AndWithSourceNeverNeedsTheCache()
    {
        var script = new LuaScript("return redis.call('RPUSH', KEYS[1], ARGV[1])");
        var key = Key();
        await using var pooled = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString) with { PoolSize = 4 }, TestLogger.Instance);
        await _client.ExecuteAsync("SCRIPT FLUSH");

        // All issued before any completes: round-robin over four connections would interleave them.
        var calls = Enumerable.Range(0, 200).Select(i => pooled.EvalInOrderAsync(script, [key], [i], withSource: true)).ToArray();
        await Task.WhenAll(calls).WaitAsync(Bound);
        var sha = await pooled.EvalInOrderAsync(script, [key], [200], withSource: false);

        var list = (await _client.ExecuteAsync("LRANGE", key, 0, -1)).Items.Select(v => v.AsInt64());
        Assert.That(list, Is.EqualTo(Enumerable.Range(0, 201).Select(i => (long)i)));
        Assert.That(sha.AsInt64(), Is.EqualTo(201), "by SHA1: the source calls cached the script");
    }

    [Test]
    public async Task ExecuteInOrderAsync_Pipeline_OneReplyPerCommandInOrder_ARejectedCommandFailsAlone()
    {
        var hash = Key();
        var text = Key();
        var list = Key();
        await _client.ExecuteAsync("HSET", hash, "n1", 1, "n2", 2);
        await _client.ExecuteAsync("SET", text, "not a hash");
        var pipeline = new RedisPipeline()
            .Add("HKEYS", hash)
            .Add("HKEYS", text)
            .Add("HKEYS", Key())
            .Add("RPUSH", list, new byte[] { 0, 255 }, 42)
            .Add("CLIENT SETNAME", "piped");

        var replies = await _client.ExecuteInOrderAsync(pipeline).WaitAsync(Bound);

        Assert.That(replies, Has.Count.EqualTo(5));
        Assert.That(replies[0].Items.Select(v => v.AsString()).Order(), Is.EqualTo(new[] { "n1", "n2" }));
        Assert.That((replies[1].IsError, replies[1].AsString()), Is.EqualTo((true, "WRONGTYPE Operation against a key holding the wrong kind of value")));
        Assert.That(replies[2].Items, Is.Empty);
        Assert.That(replies[3].AsInt64(), Is.EqualTo(2), "ran although a command before it was rejected");
        Assert.That(replies[4].AsString(), Is.EqualTo("OK"), "a command name of two words");
        Assert.That((await _client.ExecuteAsync("LRANGE", list, 0, -1)).Items.Select(v => v.AsBytes()), Is.EqualTo(new[] { new byte[] { 0, 255 }, "42"u8.ToArray() }));
        Assert.That(await _client.ExecuteInOrderAsync(new RedisPipeline()), Is.Empty, "an empty pipeline answers at once");
        // Added to after it was handed over: the extra command is not sent with it, so no reply ever shifts.
        var grown = new RedisPipeline().Add("ECHO", "one");
        var sent = _client.ExecuteInOrderAsync(grown);
        grown.Add("ECHO", "two");
        Assert.That((await sent.WaitAsync(Bound)).Select(v => v.AsString()), Is.EqualTo(new[] { "one" }));
        Assert.That((await _client.ExecuteAsync("ECHO", "after")).AsString(), Is.EqualTo("after"));
        Assert.That(pipeline.ToString(), Is.EqualTo("5 pipelined commands (HKEYS, …)"));
    }

    [Test]
    public async Task PrefixedAndConcatArguments_ArriveAsOneBulkStringEach()
    {
        var id = "héllo-" + Guid.NewGuid().ToString("N");
        byte[] prefix = "test:prefixed:"u8.ToArray();
        byte[][] parts = ["a\n"u8.ToArray(), [], [0, 255], "ü"u8.ToArray()];
        var key = RedisArg.Prefixed(prefix, id);
        var value = RedisArg.Concat(parts);

        await _client.ExecuteAsync("SET", key, value);
        var replies = await _client.ExecuteInOrderAsync(new RedisPipeline().Add("GET", key).Add("STRLEN", "test:prefixed:" + id));

        Assert.That((await _client.ExecuteAsync("GET", "test:prefixed:" + id)).AsBytes(), Is.EqualTo(parts.SelectMany(p => p).ToArray()));
        Assert.That(replies[0].AsBytes(), Is.EqualTo(parts.SelectMany(p => p).ToArray()));
        Assert.That(replies[1].AsInt64(), Is.EqualTo(2 + 2 + 2));
        Assert.That(key.ToString(), Is.EqualTo("test:prefixed:" + id));
        Assert.That(RedisArg.Prefixed(prefix, null).IsMissing && RedisArg.Concat(null).IsMissing, Is.True);
        Assert.Throws<ArgumentException>(() => RedisArg.Concat([[1], null!]), "refused when made, never met by the writer");
        Assert.That((await _client.ExecuteAsync("ECHO", RedisArg.Concat([]))).AsString(), Is.EqualTo(""), "no parts: an empty string");
    }

    [Test]
    public void RedisPipeline_BadCommand_RefusedWhenAdded()
    {
        var pipeline = new RedisPipeline();

        Assert.Throws<ArgumentException>(() => pipeline.Add(" "));
        Assert.Throws<ArgumentException>(() => pipeline.Add("SET", Key(), (string?)null));
        Assert.That(pipeline.Count, Is.Zero, "nothing half-added");
    }

    [Test]
    public async Task ExecuteInOrderAsync_MixedWithEvalInOrderAndManyInFlight_RunsInCallOrder_RepliesNeverShift()
    {
        var script = new LuaScript("return redis.call('RPUSH', KEYS[1], ARGV[1])");
        var key = Key();
        await using var pooled = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString) with { PoolSize = 4 }, TestLogger.Instance);

        // All issued before any completes: pipelines of 1–3 pushes between script calls, and plain commands on the pool.
        var calls = new List<Task<long[]>>();
        var pushed = 0;
        for (var i = 0; i < 100; i++)
        {
            if (i % 3 == 0)
            {
                var value = pushed++;
                calls.Add(pooled.EvalInOrderAsync(script, [key], [value], withSource: true).ContinueWith(t => new[] { t.Result.AsInt64() }, TaskScheduler.Default));
                continue;
            }
            var pipeline = new RedisPipeline();
            for (var k = 0; k < 1 + (i % 3); k++) pipeline.Add("RPUSH", key, pushed++);
            calls.Add(pooled.ExecuteInOrderAsync(pipeline).ContinueWith(t => t.Result.Select(r => r.AsInt64()).ToArray(), TaskScheduler.Default));
            _ = pooled.ExecuteAsync("ECHO", "between");
        }
        var lengths = (await Task.WhenAll(calls).WaitAsync(Bound)).SelectMany(r => r).ToArray();

        var list = (await _client.ExecuteAsync("LRANGE", key, 0, -1)).Items.Select(v => v.AsInt64());
        Assert.That(list, Is.EqualTo(Enumerable.Range(0, pushed).Select(i => (long)i)));
        Assert.That(lengths, Is.EqualTo(Enumerable.Range(1, pushed).Select(i => (long)i)), "each reply went to its own command");
    }

    [Test]
    public async Task EvalAsync_ErrorNestedInArray_StaysAValue()
    {
        var script = new LuaScript("return {1, redis.error_reply('MYERR boom'), redis.status_reply('FINE')}");

        var reply = await _client.EvalAsync(script, [], []);

        Assert.That(reply.Items.Select(i => i.ToString()), Is.EqualTo(new[] { ":1", "-MYERR boom", "+FINE" }));
        Assert.That(reply.Items[1].IsError, Is.True);
    }

    [Test]
    public void EvalAsync_ScriptRaisesError_ThrowsRedisServerException()
    {
        var script = new LuaScript("return redis.error_reply('BADTHING it went wrong')");

        var error = Assert.ThrowsAsync<RedisServerException>(() => _client.EvalAsync(script, [], []));

        Assert.That(error!.ErrorCode, Is.EqualTo("BADTHING"));
    }

    [Test]
    public async Task ConnectAsync_NameAndDatabase_AppliedOnTheConnection()
    {
        var options = RedisOptions.Parse(_server.ConnectionString + ",name=retroim-test,defaultDatabase=2");
        await using var client = await RedisClient.ConnectAsync(options);
        var key = Key();

        await client.ExecuteAsync("SET", key, "in-db-2");

        Assert.That((await client.ExecuteAsync("CLIENT GETNAME")).AsString(), Is.EqualTo("retroim-test"));
        Assert.That((await _client.ExecuteAsync("EXISTS", key)).AsInt64(), Is.Zero, "db 0 does not see it");
        Assert.That(client.IsConnected, Is.True);
    }

    [Test]
    public async Task ExecuteAsync_AfterDispose_ThrowsObjectDisposedException()
    {
        var client = await RedisClient.ConnectAsync(RedisOptions.Parse(_server.ConnectionString));
        await client.DisposeAsync();

        Assert.ThrowsAsync<ObjectDisposedException>(() => client.ExecuteAsync("PING"));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task NewClient_BeforeFirstCommand_IsNotConnectedThenConnectsLazily()
    {
        await using var client = new RedisClient(RedisOptions.Parse(_server.ConnectionString));

        Assert.That(client.IsConnected, Is.False);
        Assert.That((await client.ExecuteAsync("PING")).AsString(), Is.EqualTo("PONG"));
        Assert.That(client.IsConnected, Is.True);
    }
}
