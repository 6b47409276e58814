using NUnit.Framework;

namespace RetroIm.Im.Tests.Backplane;

public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task AddChanMembers_SeveralChannels_ListsSortedEverywhere()
    {
        await Backplane.AddChanMembersAsync("retro:b", ["z", "a", "m"]);
        await Backplane.AddChanMembersAsync("retro:a", ["a"]);
        await Backplane.AddChanMembersAsync("retro:a", ["a"]);

        Assert.That(await Backplane.GetChansAsync(), Is.EqualTo(new[] { "retro:a", "retro:b" }));
        Assert.That(await Backplane.GetChanMembersAsync("retro:b"), Is.EqualTo(new[] { "a", "m", "z" }));
        Assert.That(await Backplane.GetChanMembersAsync("retro:a"), Is.EqualTo(new[] { "a" }), "adding twice is idempotent");
        Assert.That(await Backplane.GetClientChansAsync("a"), Is.EqualTo(new[] { "retro:a", "retro:b" }));
        Assert.That(await Backplane.GetClientChansAsync("z"), Is.EqualTo(new[] { "retro:b" }));
        Assert.That(await Backplane.GetChanMembersAsync("none"), Is.Empty);
        Assert.That(await Backplane.GetClientChansAsync("none"), Is.Empty);
    }

    [Test]
    public async Task RemoveChanMembers_LastMember_ChannelDisappears()
    {
        await Backplane.AddChanMembersAsync("room", ["a", "b"]);
        await Backplane.AddChanMembersAsync("other", ["a"]);

        await Backplane.RemoveChanMembersAsync("room", ["a", "never-a-member"]);

        Assert.That(await Backplane.GetChanMembersAsync("room"), Is.EqualTo(new[] { "b" }));
        Assert.That(await Backplane.GetClientChansAsync("a"), Is.EqualTo(new[] { "other" }));

        await Backplane.RemoveChanMembersAsync("room", ["b"]);
        await Backplane.RemoveChanMembersAsync("other", ["a"]);
        await Backplane.RemoveChanMembersAsync("never", ["a"]);

        Assert.That(await Backplane.GetChansAsync(), Is.Empty);
        Assert.That(await Backplane.GetClientChansAsync("b"), Is.Empty);
        Assert.That(await GetKeysAsync(Backplane), Is.Empty);
    }

    [Test]
    public async Task AddChanMembers_NoClients_CreatesNoChannel()
    {
        await Backplane.AddChanMembersAsync("empty", []);

        Assert.That(await Backplane.GetChansAsync(), Is.Empty);
    }

    [Test]
    public async Task GetChanOnline_MembersWithAndWithoutConnections_CountsOnlineOnes()
    {
        await Backplane.AddChanMembersAsync("room", ["a", "b", "c"]);
        await Backplane.AddConnectionAsync(Conn("n1", "a"));
        await Backplane.AddConnectionAsync(Conn("n2", "a", "c2"));
        await Backplane.AddConnectionAsync(Conn("n2", "b"));
        await Backplane.AddConnectionAsync(Conn("n1", "outsider"));

        Assert.That(await Backplane.GetChanOnlineAsync("room"), Is.EqualTo(2));

        await Backplane.RemoveConnectionAsync(Conn("n2", "b"));

        Assert.That(await Backplane.GetChanOnlineAsync("room"), Is.EqualTo(1));
        Assert.That(await Backplane.GetChanOnlineAsync("none"), Is.Zero);
        Assert.That(await Backplane.GetChanMembersAsync("room"), Is.EqualTo(new[] { "a", "b", "c" }), "going offline keeps membership");
    }
}
