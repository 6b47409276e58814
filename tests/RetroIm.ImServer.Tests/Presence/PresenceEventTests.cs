using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Presence;

[TestFixture]
public sealed class PresenceEventTests : ClusterTestBase
{
    [Test]
    public async Task OnlineOffline_TwoTabsOnTwoNodes_FireOncePerUser()
    {
        var user = NewId("tabs");
        var tab1 = await ConnectToAsync(user, NodeA, metadata: "{\"name\":\"Ann\"}");
        var online = await Cluster.Presence.WaitForAsync(PresenceEvent.Online, user, Bound);
        Assert.That(online.Metadata, Is.EqualTo("{\"name\":\"Ann\"}"), "the event carries the metadata given to PrevConnectServer");
        var tab2 = await ConnectToAsync(user, NodeB, metadata: "{\"name\":\"Ann\"}");
        await SyncEventsAsync();
        Assert.That(Cluster.Presence.Count(PresenceEvent.Online, user), Is.EqualTo(1), "a second tab raises no online");
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.True);

        await tab1.CloseAsync();
        await Wait.UntilAsync(async () => (await Cluster.Backplane.GetClientNodesAsync(user)).Count == 1, Bound, "the first tab's connection to be removed");
        await SyncEventsAsync();
        Assert.That(Cluster.Presence.Count(PresenceEvent.Offline, user), Is.Zero, "closing one tab of two raises no offline");
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.True);

        await tab2.CloseAsync();
        var offline = await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, user, Bound);
        await SyncEventsAsync();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(offline.Metadata, Is.EqualTo("{\"name\":\"Ann\"}"));
            Assert.That(Cluster.Presence.Count(PresenceEvent.Online, user), Is.EqualTo(1));
            Assert.That(Cluster.Presence.Count(PresenceEvent.Offline, user), Is.EqualTo(1));
            Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.False);
            Assert.That(await Cluster.Client.GetClientListByOnlineAsync(), Does.Not.Contain(user));
        });
    }

    [Test]
    public async Task ForceOffline_ClientOnTwoNodes_EveryConnectionClosedWith4001()
    {
        var user = NewId("kicked");
        var onA = await ConnectToAsync(user, NodeA);
        var onB = await ConnectToAsync(user, NodeB);

        await Cluster.Client.ForceOfflineAsync(user);

        var closeA = await onA.WaitClosedAsync(Bound);
        var closeB = await onB.WaitClosedAsync(Bound);
        Assert.That(closeA.Status, Is.EqualTo(ImCloseCodes.Kicked), closeA.ToString());
        Assert.That(closeB.Status, Is.EqualTo(ImCloseCodes.Kicked), closeB.ToString());
        await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, user, Bound);
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.False);
    }

    [Test]
    public async Task HasOnline_ConnectAndClose_FollowsTheConnection()
    {
        var user = NewId("has");
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.False);
        var socket = await ConnectToAsync(user, NodeB);
        await Cluster.Presence.WaitForAsync(PresenceEvent.Online, user, Bound);
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.True);
        Assert.That(await Cluster.Client.GetClientListByOnlineAsync(), Does.Contain(user));

        socket.Abort(); // a vanished client, no close handshake
        await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, user, Bound);
        Assert.That(await Cluster.Client.HasOnlineAsync(user), Is.False);
    }

    /// <summary>
    /// Connects and closes a throwaway client and waits for its offline event: events are published in order on one
    /// topic, so every event published before it has been recorded too.
    /// </summary>
    private async Task SyncEventsAsync()
    {
        var probe = NewId("probe");
        var socket = await Cluster.ConnectToNodeAsync(probe, NodeA);
        await socket.CloseAsync();
        await socket.DisposeAsync();
        await Cluster.Presence.WaitForAsync(PresenceEvent.Offline, probe, Bound);
    }
}
