using System.Threading.Channels;
using NUnit.Framework;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
public sealed class ImClientPresenceTests : TwoNodeTestBase
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task HasOnlineAsync_ConnectedOnAnyNode_True()
    {
        var tab = await N2.ConnectAsync("a");
        Assert.That(await Client.HasOnlineAsync("a"), Is.True);
        Assert.That(await Client.HasOnlineAsync("b"), Is.False);
        Assert.That(await Client.GetClientListByOnlineAsync(), Is.EqualTo(new[] { "a" }));

        await N2.DisconnectAsync(tab);
        Assert.That(await Client.HasOnlineAsync("a"), Is.False);
    }

    [Test]
    public async Task ForceOfflineAsync_ClientOnTwoNodes_KickSentToBoth()
    {
        await N1.ConnectAsync("a");
        await N2.ConnectAsync("a");

        await Client.ForceOfflineAsync("a");

        foreach (var node in new[] { N1, N2 })
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
        Client.Online += e => events.Writer.TryWrite(e);
        Client.Offline += e => events.Writer.TryWrite(e);
        await Client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        var tab1 = await N1.ConnectAsync("a", "Alice");
        var tab2 = await N2.ConnectAsync("a", "Alice");
        await N1.DisconnectAsync(tab1);
        await N2.DisconnectAsync(tab2);

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
        Client.Online += _ => throw new InvalidOperationException("business bug");
        Client.Online += e => seen.Writer.TryWrite(e.ClientId);
        await Client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        await N1.ConnectAsync("a");
        await N1.ConnectAsync("b");

        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("a"));
        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Wait), Is.EqualTo("b"));
    }

    [Test]
    public async Task EventBus_OnlineAndOffline_BothHandlersCalled()
    {
        var online = new TaskCompletionSource<PresenceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var offline = new TaskCompletionSource<PresenceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        Client.EventBus(e => online.TrySetResult(e), e => offline.TrySetResult(e));
        await Client.EnsureEventsSubscribedAsync().WaitAsync(Wait);

        var tab = await N1.ConnectAsync("42");
        await N1.DisconnectAsync(tab);

        Assert.That((await online.Task.WaitAsync(Wait)).ClientId, Is.EqualTo("42"));
        Assert.That((await offline.Task.WaitAsync(Wait)).ClientId, Is.EqualTo("42"));
    }

    [Test]
    public async Task ReadEventsAsync_TwoReaders_EachGetsEveryEventInOrder()
    {
        using var cts = new CancellationTokenSource(Wait);
        var first = ReadAsync(Client.ReadEventsAsync(cts.Token), 3);
        var second = ReadAsync(Client.ReadEventsAsync(cts.Token), 3);
        await Client.EnsureEventsSubscribedAsync().WaitAsync(Wait);
        var tab = await N1.ConnectAsync("a");
        await N1.DisconnectAsync(tab);
        await N2.ConnectAsync("b");

        var expected = new[] { "online:a", "offline:a", "online:b" };
        Assert.That(await first.WaitAsync(Wait), Is.EqualTo(expected));
        Assert.That(await second.WaitAsync(Wait), Is.EqualTo(expected));
    }

    [Test]
    public async Task ReadEventsAsync_ClientDisposed_EnumerationEnds()
    {
        var reader = ReadAsync(Client.ReadEventsAsync(), int.MaxValue);
        await Client.EnsureEventsSubscribedAsync().WaitAsync(Wait);
        await N1.ConnectAsync("a");

        await Client.DisposeAsync();

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
