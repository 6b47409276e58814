using NUnit.Framework;
using RetroIm.Im.Rights;

namespace RetroIm.Im.Tests.Rights;

[TestFixture]
public sealed class ClientRightSetTests
{
    [Test]
    public void From_NullOrEmpty_IsTheSharedEmptySetThatAllowsNothing()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ClientRightSet.From(null), Is.SameAs(ClientRightSet.Empty));
            Assert.That(ClientRightSet.From([]), Is.SameAs(ClientRightSet.Empty));
            Assert.That(ClientRightSet.Empty.Allows("event", "typing"), Is.False);
        });
    }

    [Test]
    public void From_InvalidAndDuplicateRights_KeepsOnlyDistinctValidOnes()
    {
        var set = ClientRightSet.From(["event.typing", "event.typing", "event.typ*", "nonsense"]);

        Assert.That(set.Rights, Is.EqualTo(new[] { "event.typing" }));
    }

    [Test]
    public void With_NewRight_AllowsItAndKeepsTheOriginalUnchanged()
    {
        var before = ClientRightSet.From(["event.typing"]);

        var after = before.With(["joinLeaveChan.retro:*"]);

        Assert.Multiple(() =>
        {
            Assert.That(after.Allows("joinLeaveChan", "retro:7"), Is.True);
            Assert.That(after.Allows("event", "typing"), Is.True);
            Assert.That(before.Allows("joinLeaveChan", "retro:7"), Is.False);
        });
    }

    [Test]
    public void Without_ExactString_RemovesItButNeverCarvesAWildcard()
    {
        var set = ClientRightSet.From(["event.*", "event.typing"]);

        var revoked = set.Without(["event.typing"]);

        Assert.Multiple(() =>
        {
            Assert.That(revoked.Rights, Is.EqualTo(new[] { "event.*" }));
            Assert.That(revoked.Allows("event", "typing"), Is.True, "event.* still allows it");
            Assert.That(revoked.Without(["event.*"]), Is.SameAs(ClientRightSet.Empty));
        });
    }
}
