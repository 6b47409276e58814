using System.Text;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// <see cref="RedisOutage.RetryReadAsync{T}"/>, the relay's retry of a reconnecting client's history read, against a
/// real redis-server made to hold every script past a short command timeout (CLIENT PAUSE WRITE holds scripts).
/// </summary>
[TestFixture]
public sealed class RedisOutageRetryTests : RedisBackplaneFixture
{
    private static readonly TimeSpan Timeout = BackplaneConformanceTests.Timeout;
    private static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)];
    private RedisBackplane _impatient = null!;
    private string _epoch = null!;
    private readonly List<(int Retry, Exception Error)> _retries = [];

    /// <summary>A second backplane on this test's keys that waits 300 ms for a reply; two messages in client a's stream.</summary>
    [SetUp]
    public async Task KeepTwoMessagesAsync()
    {
        _retries.Clear();
        foreach (var text in new[] { "m1", "m2" })
        {
            await Backplane.PublishMessageToClientsAsync(["a"], new RelayHeader(RelayPacketKind.Message, To: ["a"], Id: text), Frame(text),
                new StreamRetention(1000, TimeSpan.FromMinutes(1)));
        }
        _epoch = (await Backplane.GetStreamPositionsAsync([ImStreams.Client("a")]))[0].Epoch;
        _impatient = new RedisBackplane(RedisOptions.Parse(Server.ConnectionString + ",commandTimeout=300,prefix=" + Prefix));
        // Connected, and the script known to Redis, before anything is paused.
        Assert.That((await ReadAsync(CancellationToken.None)).Entries, Has.Count.EqualTo(2));
    }

    protected override async Task BeforeDisposeAsync()
    {
        await Raw.ExecuteAsync("CLIENT", "UNPAUSE");
        await _impatient.DisposeAsync();
    }

    [Test]
    public async Task RetryReadAsync_RedisHoldsTheReadPastTheTimeout_ReadsAgainAndGetsTheEntries()
    {
        await Raw.ExecuteAsync("CLIENT", "PAUSE", 700, "WRITE");

        var read = await RetryAsync(Delays).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(read.Status, Is.EqualTo(StreamReadStatus.Ok));
            Assert.That(read.Entries.Select(e => Encoding.UTF8.GetString(e.Frame.Span)), Is.EqualTo(new[] { Text(Frame("m1")), Text(Frame("m2")) }));
            Assert.That(_retries, Is.Not.Empty, "the first read waited past the 300 ms timeout");
            Assert.That(_retries[0].Error, Is.TypeOf<RedisTimeoutException>());
            Assert.That(_retries.Select(r => r.Retry), Is.EqualTo(Enumerable.Range(1, _retries.Count)));
        });
    }

    [Test]
    public async Task RetryReadAsync_RedisHoldsEveryAttempt_ThrowsTheLastTimeoutAfterEachDelay()
    {
        await Raw.ExecuteAsync("CLIENT", "PAUSE", 20_000, "WRITE");

        var error = Assert.ThrowsAsync<RedisTimeoutException>(() => RetryAsync([TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)]).WaitAsync(Timeout));

        Assert.That(error!.Message, Does.Contain("300 ms"));
        Assert.That(_retries.Select(r => r.Retry), Is.EqualTo(new[] { 1, 2 }), "three attempts: the first and two retries");
    }

    [Test]
    public async Task RetryReadAsync_RedisRefusesTheRead_ThrowsAtOnceWithoutRetrying()
    {
        // The sequence key holding a string: the script's HMGET is refused (WRONGTYPE), which no retry can change.
        await Raw.ExecuteAsync("SET", Prefix + "im:seq:" + ImStreams.Client("b"), "not a hash");

        var error = Assert.ThrowsAsync<RedisServerException>(() => RedisOutage.RetryReadAsync(
            ct => _impatient.ReadStreamAsync(ImStreams.Client("b"), _epoch, 0, ct), Delays, TimeProvider.System, Record, CancellationToken.None).WaitAsync(Timeout));

        Assert.That(error!.Message, Does.Contain("WRONGTYPE"));
        Assert.That(_retries, Is.Empty);
    }

    [Test]
    public void RetryReadAsync_CancelledWhileWaitingToRetry_StopsWithoutAnotherRead()
    {
        using var cancel = new CancellationTokenSource();
        var reads = 0;

        var error = Assert.CatchAsync<OperationCanceledException>(() => RedisOutage.RetryReadAsync<int>(
            _ =>
            {
                reads++;
                throw new RedisConnectionException("The connection to Redis was lost.");
            },
            [TimeSpan.FromMinutes(5)], TimeProvider.System, (retry, e) => cancel.Cancel(), cancel.Token).WaitAsync(Timeout));

        Assert.That(error, Is.Not.Null);
        Assert.That(reads, Is.EqualTo(1));
    }

    private Task<StreamReadResult> RetryAsync(TimeSpan[] delays)
        => RedisOutage.RetryReadAsync(ReadAsync, delays, TimeProvider.System, Record, CancellationToken.None);

    private Task<StreamReadResult> ReadAsync(CancellationToken cancellationToken)
        => _impatient.ReadStreamAsync(ImStreams.Client("a"), _epoch, 0, cancellationToken);

    private void Record(int retry, Exception error) => _retries.Add((retry, error));

    private static byte[] Frame(string text) => ClientFrames.Message(text, null, null, 1, Encoding.UTF8.GetBytes($"\"{text}\""));

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
