using System.Text;
using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task PublishToClients_ClientsOnSeveralNodes_OncePerHoldingNodeAndReportsOffline()
    {
        var peer = await PeerAsync();
        var inboxes = await TopicRecorder.StartAsync(peer, ImTopics.Node("n1"), ImTopics.Node("n2"), ImTopics.Node("n3"));
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddConnectionAsync(Conn("n1", "b"));
        await Backplane.AddConnectionAsync(Conn("n2", "b", "c2"));
        await Backplane.AddConnectionAsync(Conn("n3", "other"));

        var result = await Backplane.PublishToClientsAsync(["b", "a", "gone", "b", "gone2"], "packet"u8.ToArray());

        Assert.That(result.NodeIds, Is.EqualTo(new[] { "n1", "n2" }));
        Assert.That(result.OfflineClientIds, Is.EqualTo(new[] { "gone", "gone2" }));
        Assert.That(await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1")), Is.EqualTo(new[] { "packet" }));
        Assert.That(await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n2")), Is.EqualTo(new[] { "packet" }));
        Assert.That(await inboxes.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n3")), Is.Empty);
    }

    [Test]
    public async Task PublishToClients_NobodyOnline_PublishesNothing()
    {
        var inbox = await TopicRecorder.StartAsync(Backplane, ImTopics.Node("n1"));

        var none = await Backplane.PublishToClientsAsync([], "x"u8.ToArray());
        var offline = await Backplane.PublishToClientsAsync(["a"], "x"u8.ToArray());

        Assert.That((none.NodeIds, none.OfflineClientIds), Is.EqualTo((Array.Empty<string>(), Array.Empty<string>())));
        Assert.That((offline.NodeIds, offline.OfflineClientIds), Is.EqualTo((Array.Empty<string>(), new[] { "a" })));
        Assert.That(await inbox.ReadUntilMarkerAsync(Backplane, ImTopics.Node("n1")), Is.Empty);
    }

    [Test]
    public async Task Publish_SubscribedTopic_HandlerGetsUnprefixedTopicAndPayload()
    {
        var peer = await PeerAsync();
        var subscriber = await TopicRecorder.StartAsync(peer, ImTopics.All, ImTopics.Chan("retro:1"));

        var delivered = await Backplane.PublishAsync(ImTopics.Chan("retro:1"), Encoding.UTF8.GetBytes("ünï"));
        await Backplane.PublishAsync(ImTopics.All, "all"u8.ToArray());

        Assert.That(delivered, Is.EqualTo(1));
        Assert.That(await subscriber.NextAsync(ImTopics.Chan("retro:1")), Is.EqualTo("ünï"));
        Assert.That(await subscriber.NextAsync(ImTopics.All), Is.EqualTo("all"));
        Assert.That(await Backplane.PublishAsync(ImTopics.Chan("nobody-listens"), "x"u8.ToArray()), Is.Zero);
    }

    /// <summary>
    /// <see cref="IImBackplane.BurstDelivered"/>: raised on the handlers' loop after the packets that had arrived were
    /// all handed over, so a handler that holds work back until then never holds the last packet forever.
    /// </summary>
    [Test]
    public async Task BurstDelivered_MessagesPublishedBackToBack_RaisedAfterTheLastOneWasHandled()
    {
        const int count = 50;
        var topic = ImTopics.Chan("burst");
        var peer = await PeerAsync();
        var log = new List<string>();
        var handled = 0;
        var lastFollowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await peer.SubscribeAsync(topic, (_, payload) =>
        {
            lock (log) log.Add(Encoding.UTF8.GetString(payload.Span));
            handled++;
        });
        peer.BurstDelivered += () =>
        {
            lock (log) log.Add("|");
            if (handled == count) lastFollowed.TrySetResult();
        };

        // Not awaited one by one: over Redis they are pipelined, so some arrive together.
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Backplane.PublishAsync(topic, Encoding.UTF8.GetBytes(i.ToString())))).WaitAsync(Timeout);
        await lastFollowed.Task.WaitAsync(Timeout);

        string[] entries;
        lock (log) entries = [.. log];
        Assert.That(entries.Where(e => e != "|"), Is.EqualTo(Enumerable.Range(0, count).Select(i => i.ToString())), "every message once, in order");
        Assert.That(entries[^1], Is.EqualTo("|"), "the burst with the last message was announced after it");
        Assert.That(entries.SkipWhile(e => e == "|").Count(e => e == "|"), Is.InRange(1, count), "at most one announcement per burst that had messages");
    }

    [Test]
    public async Task Unsubscribe_SubscribedTopic_StopsDelivery()
    {
        var topic = ImTopics.Chan("room");
        var received = 0;
        await Backplane.SubscribeAsync(topic, (_, _) => Interlocked.Increment(ref received));

        await Backplane.UnsubscribeAsync(topic);

        Assert.That(await Backplane.PublishAsync(topic, "x"u8.ToArray()), Is.Zero);
        var other = await TopicRecorder.StartAsync(Backplane, ImTopics.All);
        Assert.That(await other.ReadUntilMarkerAsync(Backplane, ImTopics.All), Is.Empty, "delivery after the unsubscribe has settled");
        Assert.That(Volatile.Read(ref received), Is.Zero);
    }

    [Test]
    public async Task Subscribe_SameTopicTwice_ReplacesHandler()
    {
        var topic = ImTopics.Node("n1");
        var first = 0;
        await Backplane.SubscribeAsync(topic, (_, _) => Interlocked.Increment(ref first));
        var second = await TopicRecorder.StartAsync(Backplane, topic);

        await Backplane.PublishAsync(topic, "x"u8.ToArray());

        Assert.That(await second.NextAsync(topic), Is.EqualTo("x"));
        Assert.That(await second.ReadUntilMarkerAsync(Backplane, topic), Is.Empty);
        Assert.That(Volatile.Read(ref first), Is.Zero);
    }
}
