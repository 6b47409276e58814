using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

[TestFixture]
public sealed class InMemoryBackplaneTests : BackplaneConformanceTests
{
    private readonly ManualTimeProvider _time = new();

    protected override Task<IImBackplane> CreateFreshAsync() => Task.FromResult<IImBackplane>(new InMemoryBackplane(_time));

    // One process, one state: the peer is the same instance, called concurrently.
    protected override Task<IImBackplane> CreatePeerAsync(IImBackplane backplane) => Task.FromResult(backplane);

    protected override Task AdvanceAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyList<string>> GetKeysAsync(IImBackplane backplane) =>
        Task.FromResult(((InMemoryBackplane)backplane).GetEquivalentRedisKeys());

    [Test]
    public async Task Publish_HandlerThrows_LaterMessagesStillDelivered()
    {
        await Backplane.SubscribeAsync(ImTopics.Chan("bad"), (_, _) => throw new InvalidOperationException("boom"));
        var good = await TopicRecorder.StartAsync(Backplane, ImTopics.All);

        await Backplane.PublishAsync(ImTopics.Chan("bad"), "x"u8.ToArray());
        await Backplane.PublishAsync(ImTopics.All, "y"u8.ToArray());

        Assert.That(await good.NextAsync(ImTopics.All), Is.EqualTo("y"));
    }

    [Test]
    public async Task Publish_FromInsideHandler_DeliveredAfterHandlerReturnsWithOwnCopy()
    {
        var order = new List<string>();
        var buffer = "inner"u8.ToArray();
        await Backplane.SubscribeAsync(ImTopics.All, (topic, payload) =>
        {
            order.Add("outer start");
            order.Add(Backplane.PublishAsync(ImTopics.Chan("c"), buffer).IsCompleted ? "published" : "pending");
            buffer[0] = (byte)'X'; // the caller reuses its buffer once PublishAsync returned
            order.Add("outer end");
        });
        await Backplane.SubscribeAsync(ImTopics.Chan("c"), (_, payload) => order.Add(System.Text.Encoding.UTF8.GetString(payload.Span)));

        await Backplane.PublishAsync(ImTopics.All, "outer"u8.ToArray());

        Assert.That(order, Is.EqualTo(new[] { "outer start", "published", "outer end", "inner" }));
    }

    [Test]
    public async Task DisposeAsync_ThenCall_ObjectDisposed()
    {
        await Backplane.DisposeAsync();

        Assert.ThrowsAsync<ObjectDisposedException>(() => Backplane.PingAsync());
    }
}
