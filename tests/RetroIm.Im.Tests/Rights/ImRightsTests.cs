using NUnit.Framework;
using RetroIm.Im.Rights;

namespace RetroIm.Im.Tests.Rights;

[TestFixture]
public sealed class ImRightsTests
{
    [TestCase("event.typing", "event", "typing", ExpectedResult = true)]
    [TestCase("event.typing", "event", "typing2", ExpectedResult = false)]
    [TestCase("event.typing", "event", "Typing", ExpectedResult = false)]
    [TestCase("event.typing", "sendToChan", "typing", ExpectedResult = false)]
    [TestCase("event.ui.typing", "event", "ui.typing", ExpectedResult = true)]
    [TestCase("event.*", "event", "anything", ExpectedResult = true)]
    [TestCase("event.*", "event", "a.b:c", ExpectedResult = true)]
    [TestCase("event.*", "joinLeaveChan", "retro:1", ExpectedResult = false)]
    [TestCase("event.ui.*", "event", "ui.typing", ExpectedResult = true)]
    [TestCase("event.ui.*", "event", "ui", ExpectedResult = false)]
    [TestCase("event.ui.*", "event", "uix.typing", ExpectedResult = false)]
    [TestCase("joinLeaveChan.retro:*", "joinLeaveChan", "retro:42", ExpectedResult = true)]
    [TestCase("joinLeaveChan.retro:*", "joinLeaveChan", "retro:42:notes", ExpectedResult = true)]
    [TestCase("joinLeaveChan.retro:*", "joinLeaveChan", "retro:", ExpectedResult = false)]
    [TestCase("joinLeaveChan.retro:*", "joinLeaveChan", "retro", ExpectedResult = false)]
    [TestCase("joinLeaveChan.retro:*", "joinLeaveChan", "retrospective:1", ExpectedResult = false)]
    [TestCase("joinLeaveChan.retro:*", "sendToChan", "retro:42", ExpectedResult = false)]
    [TestCase("sendToChan.retro:42", "sendToChan", "retro:42", ExpectedResult = true)]
    [TestCase("sendToChan.retro:42", "sendToChan", "retro:420", ExpectedResult = false)]
    [TestCase("sendToChan.*", "sendToChan", "x", ExpectedResult = true)]
    [TestCase("sendToChan.retro*", "sendToChan", "retro:1", ExpectedResult = false)]
    [TestCase("sendToChan.*:1", "sendToChan", "retro:1", ExpectedResult = false)]
    [TestCase("eventtyping", "event", "typing", ExpectedResult = false)]
    [TestCase("event.", "event", "", ExpectedResult = false)]
    public bool Matches_PatternAndTarget_FollowsTheWildcardRule(string pattern, string verb, string target)
        => ImRights.Matches(pattern, verb, target);

    [TestCase("event.typing")]
    [TestCase("event.*")]
    [TestCase("event.ui.*")]
    [TestCase("joinLeaveChan.retro:*")]
    [TestCase("sendToChan.retro:42")]
    [TestCase("sendToChan.a.b:c")]
    public void Validate_WellFormedRight_DoesNotThrow(string right)
    {
        Assert.That(ImRights.IsValid(right), Is.True);
        Assert.DoesNotThrow(() => ImRights.Validate(right));
    }

    [TestCase("")]
    [TestCase("typing")]
    [TestCase("event.")]
    [TestCase("publish.retro:1")]
    [TestCase("Event.typing")]
    [TestCase("event.typ*")]
    [TestCase("event.*.typing")]
    [TestCase("joinLeaveChan.retro*")]
    [TestCase("sendToChan.**")]
    public void Validate_MalformedRight_ThrowsArgumentException(string right)
    {
        Assert.That(ImRights.IsValid(right), Is.False);
        Assert.Throws<ArgumentException>(() => ImRights.Validate(right));
    }

    [Test]
    public void Validate_TooLong_ThrowsArgumentException()
        => Assert.Throws<ArgumentException>(() => ImRights.Validate("event." + new string('x', ImRights.MaxLength)));

    [Test]
    public void Builders_ComposeVerbAndTarget_AreValidRights()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ImRights.Event("typing"), Is.EqualTo("event.typing"));
            Assert.That(ImRights.JoinLeaveChan("retro:*"), Is.EqualTo("joinLeaveChan.retro:*"));
            Assert.That(ImRights.SendToChan("retro:42"), Is.EqualTo("sendToChan.retro:42"));
        });
    }
}
