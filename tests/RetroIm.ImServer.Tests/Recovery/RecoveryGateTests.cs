using RetroIm.Relay.Connections;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>The gate's bookkeeping of sent positions, with one stream (kept in fields) and several (a dictionary too).</summary>
[TestFixture]
public sealed class RecoveryGateTests
{
    private static readonly OutFrame Frame = new([1]);

    [Test]
    public void OneStream_NextOffsetSent_RepeatDuplicate_SkipGapAndPendingRead()
    {
        var gate = OpenGate(("c:1", "e", 5));

        Assert.Multiple(() =>
        {
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Send));
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
            Assert.That(gate.Admit(Frame, "c:1", "other-epoch", 1), Is.EqualTo(RecoveryGate.Verdict.Send), "another epoch is sent");
        });
        gate.Replayed("c:1", "e", 6);
        Assert.That(gate.Admit(Frame, "c:1", "e", 9), Is.EqualTo(RecoveryGate.Verdict.Gap));
        Assert.That(gate.TakePending(), Is.EqualTo(new[] { new RecoverPosition("c:1", "e", 6) }));
    }

    [Test]
    public void SeveralStreams_EachTrackedApart_OnlyTheGappedOneRead()
    {
        var gate = OpenGate(("c:1", "e", 5), ("ch:a", "f", 10), ("ch:b", "g", 20));

        Assert.Multiple(() =>
        {
            Assert.That(gate.Announce("ch:a", "f", 99), Is.False, "a stream is announced once per epoch");
            Assert.That(gate.Admit(Frame, "ch:b", "g", 21), Is.EqualTo(RecoveryGate.Verdict.Send));
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Send));
            Assert.That(gate.Admit(Frame, "ch:a", "f", 10), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
            Assert.That(gate.Admit(Frame, "ch:a", "f", 12), Is.EqualTo(RecoveryGate.Verdict.Gap));
        });
        Assert.That(gate.TakePending(), Is.EqualTo(new[] { new RecoverPosition("ch:a", "f", 10) }));
        Assert.That(gate.RequestCatchUpAll(), Is.False, "a catch-up is running already");
        Assert.That(gate.TakePending(), Is.EqualTo(new[]
        {
            new RecoverPosition("c:1", "e", 6), new RecoverPosition("ch:a", "f", 10), new RecoverPosition("ch:b", "g", 21),
        }), "all streams, in the order they appeared");
    }

    /// <summary>A gate past its welcome: the positions announced, nothing held.</summary>
    private static RecoveryGate OpenGate(params (string Stream, string Epoch, long Offset)[] positions)
    {
        var gate = new RecoveryGate(16);
        foreach (var (stream, epoch, offset) in positions) Assert.That(gate.Announce(stream, epoch, offset), Is.True);
        Assert.That(gate.Release([], out var more), Is.Empty);
        Assert.That(more, Is.False);
        return gate;
    }
}
