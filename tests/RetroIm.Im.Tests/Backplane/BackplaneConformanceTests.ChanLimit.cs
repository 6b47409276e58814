using NUnit.Framework;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// TryAddChanMembersAsync: the channels-per-client limit ImHelper's JoinChanAsync and clients' own join frames share,
/// checked atomically with the write.
/// </summary>
public abstract partial class BackplaneConformanceTests
{
    [Test]
    public async Task TryAddChanMembers_UnderTheLimit_AddsEveryone()
    {
        var refusal = await Backplane.TryAddChanMembersAsync("room", ["a", "b"], maxChansPerClient: 2);

        Assert.That(refusal, Is.Null);
        Assert.That(await Backplane.GetChanMembersAsync("room"), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(await Backplane.GetChansAsync(), Is.EqualTo(new[] { "room" }));
    }

    [Test]
    public async Task TryAddChanMembers_OneClientAtTheLimit_NobodyAddedAndTheRefusalNamesIt()
    {
        await Backplane.AddChanMembersAsync("one", ["full"]);
        await Backplane.AddChanMembersAsync("two", ["full"]);

        var refusal = await Backplane.TryAddChanMembersAsync("three", ["free", "full"], maxChansPerClient: 2);

        Assert.That(refusal, Is.EqualTo(new RetroIm.Im.Backplane.ChanJoinRefusal("full", 2)));
        Assert.That(await Backplane.GetChanMembersAsync("three"), Is.Empty);
        Assert.That(await Backplane.GetClientChansAsync("free"), Is.Empty);
        Assert.That(await Backplane.GetChansAsync(), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test]
    public async Task TryAddChanMembers_AtTheLimitRejoiningAChannelItIsIn_Allowed()
    {
        await Backplane.AddChanMembersAsync("one", ["a"]);
        await Backplane.AddChanMembersAsync("two", ["a"]);

        Assert.That(await Backplane.TryAddChanMembersAsync("two", ["a"], maxChansPerClient: 2), Is.Null);
        Assert.That(await Backplane.GetClientChansAsync("a"), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test]
    public async Task TryAddChanMembers_LimitZero_NoLimit()
    {
        for (var i = 0; i < 5; i++) Assert.That(await Backplane.TryAddChanMembersAsync("c" + i, ["a"], maxChansPerClient: 0), Is.Null);

        Assert.That(await Backplane.GetClientChansAsync("a"), Has.Count.EqualTo(5));
    }

    [Test]
    public async Task TryAddChanMembers_ManyConcurrentJoinsForTheLastSlots_NeverOvershoot()
    {
        const int Limit = 3;
        var peer = await PeerAsync(); // joins from two "processes" (ImHelper and a node) race for the same client

        var joins = Enumerable.Range(0, 24)
            .Select(i => (i % 2 == 0 ? Backplane : peer).TryAddChanMembersAsync("race" + i, ["racer"], Limit))
            .ToArray();
        var refusals = await Task.WhenAll(joins).WaitAsync(Timeout);

        Assert.That(await Backplane.GetClientChansAsync("racer"), Has.Count.EqualTo(Limit));
        Assert.That(refusals.Count(r => r is null), Is.EqualTo(Limit));
        Assert.That(refusals.Where(r => r is not null).Select(r => r!.ClientId), Is.All.EqualTo("racer"));
    }
}
