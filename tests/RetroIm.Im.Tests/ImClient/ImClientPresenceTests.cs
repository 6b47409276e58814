using System.Threading.Channels;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientPresenceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private InMemoryBackplane _backplane = null!;
    private Im.ImClient _client = null!;
    private SimulatedNode _n1 = null!;
    private SimulatedNode _n2 = null!;

    [SetUp]
    public async Task SetUp()
    {
        _backplane = new InMemoryBackplane();
        _client = new Im.ImClient(_backplane);
        _n1 = await SimulatedNode.StartAsync(_backplane, "n1");
        _n2 = await SimulatedNode.StartAsync(_backplane, "n2");
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        await _backplane.DisposeAsync();
    }

    [Test]
    public async Task HasOnlineAsync_ConnectedOnAnyNode_True()
    {
        var tab = await _n2.ConnectAsync("a");
        Assert.That(await _client.HasOnlineAsync("a"), Is.True);
        Assert.That(await _client.HasOnlineAsync("b"), Is.False);
        Assert.That(await _client.GetClientListByOnlineAsync(), Is.EqualTo(new[] { "a" }));

        await _n2.DisconnectAsync(tab);
        Assert.That(await _client.HasOnlineAsync("a"), Is.False);
    }

    [Test]
    public async Task ForceOfflineAsync_ClientOnTwoNodes_KickSentToBoth()
    {
        await _n1.ConnectAsync("a");
        await _n2.ConnectAsync("a");

        await _client.ForceOfflineAsync("a");

        foreach (var node in new[] { _n1, _n2 })
        {
            var packet = await node.NextPacketAsync();
            Assert.That(packet.Header, Is.EqualTo(new RelayHeader(RelayPacketKind.Kick, To: packet.Header.To)));
            Assert.That(packet.Header.To, Is.EqualTo(new[] { "a" }));
        }
    }

    [Test]
    public async Task Online_TwoTabsOnTwoNodes_OneOnlineAndOneOfflineWithMetadata()
    {
        var events = Channel.CreateUnbounded<PresenceEvent>();
        _client.Online += e => events.Writer.TryWrite(e);
        _client.Offline += e => events.Writer.TryWrite(e);
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        var tab1 = await _n1.ConnectAsync("a", "Alice");
        var tab2 = await _n2.ConnectAsync("a", "Alice");
        await _n1.DisconnectAsync(tab1);
        await _n2.DisconnectAsync(tab2);

        var online = await events.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        var offline = await events.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.That(online.IsOnline, Is.True);
        Assert.That(online.ClientId, Is.EqualTo("a"));
        Assert.That(online.Metadata, Is.EqualTo("Alice"));
        Assert.That(online.Node, Is.EqualTo("n1"));
        Assert.That(offline.Type, Is.EqualTo(PresenceEvent.Offline));
        Assert.That(offline.ClientId, Is.EqualTo("a"));
        Assert.That(events.Reader.Count, Is.Zero);
    }

    [Test]
    public async Task Online_HandlerThrows_OtherHandlersAndLaterEventsStillRun()
    {
        var seen = Channel.CreateUnbounded<string>();
        _client.Online += _ => throw new InvalidOperationException("business bug");
        _client.Online += e => seen.Writer.TryWrite(e.ClientId);
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        await _n1.ConnectAsync("a");
        await _n1.ConnectAsync("b");

        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("a"));
        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("b"));
    }

    [Test]
    public async Task EventBus_OnlineAndOffline_BothHandlersCalled()
    {
        var online = new TaskCompletionSource<PresenceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var offline = new TaskCompletionSource<PresenceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.EventBus(e => online.TrySetResult(e), e => offline.TrySetResult(e));
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        var tab = await _n1.ConnectAsync("42");
        await _n1.DisconnectAsync(tab);

        Assert.That((await online.Task.WaitAsync(Wait)).ClientId, Is.EqualTo("42"));
        Assert.That((await offline.Task.WaitAsync(Wait)).ClientId, Is.EqualTo("42"));
    }

    [Test]
    public async Task ReadEventsAsync_TwoReaders_EachGetsEveryEventInOrder()
    {
        using var cts = new CancellationTokenSource(Wait);
        var first = ReadAsync(_client.ReadEventsAsync(cts.Token), 3);
        var second = ReadAsync(_client.ReadEventsAsync(cts.Token), 3);
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);
        var tab = await _n1.ConnectAsync("a");
        await _n1.DisconnectAsync(tab);
        await _n2.ConnectAsync("b");

        var expected = new[] { "online:a", "offline:a", "online:b" };
        Assert.That(await first.WaitAsync(Wait), Is.EqualTo(expected));
        Assert.That(await second.WaitAsync(Wait), Is.EqualTo(expected));
    }

    [Test]
    public async Task ReadEventsAsync_ClientDisposed_EnumerationEnds()
    {
        var reader = ReadAsync(_client.ReadEventsAsync(), int.MaxValue);
        await _client.EnsureEventsSubscribedAsync().WaitAsync(Wait);
        await _n1.ConnectAsync("a");

        await _client.DisposeAsync();

        Assert.That(await reader.WaitAsync(Wait), Is.EqualTo(new[] { "online:a" }));
    }

    private static async Task<List<string>> ReadAsync(IAsyncEnumerable<PresenceEvent> events, int count)
    {
        var list = new List<string>();
        await foreach (var e in events)
        {
            list.Add(e.Type + ":" + e.ClientId);
            if (list.Count == count) break;
        }
        return list;
    }
}
