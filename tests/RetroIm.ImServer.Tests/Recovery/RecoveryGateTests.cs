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
    public void Admit_EqualStringsFromLaterPackets_TheFirstInstancesStayHeld()
    {
        // Every packet parses fresh strings; the gate is long-lived, so it must not take each one (GC: old-to-young).
        var gate = OpenGate(("c:1", "e", 5), ("ch:a", "f", 10));
        var (ownStream, ownEpoch) = gate.HeldStrings("c:1")!.Value;
        var (chanStream, chanEpoch) = gate.HeldStrings("ch:a")!.Value;

        var sent = gate.Admit(Frame, Fresh("c:1"), Fresh("e"), 6);
        var sentToChan = gate.Admit(Frame, Fresh("ch:a"), Fresh("f"), 11);
        var held = gate.HeldStrings("c:1")!.Value;
        var heldChan = gate.HeldStrings("ch:a")!.Value;
        gate.Admit(Frame, Fresh("ch:a"), Fresh("g"), 1);

        Assert.Multiple(() =>
        {
            Assert.That((sent, sentToChan), Is.EqualTo((RecoveryGate.Verdict.Send, RecoveryGate.Verdict.Send)));
            Assert.That(ReferenceEquals(held.Stream, ownStream) && ReferenceEquals(held.Epoch, ownEpoch), Is.True, "own stream: fields");
            Assert.That(ReferenceEquals(heldChan.Stream, chanStream) && ReferenceEquals(heldChan.Epoch, chanEpoch), Is.True, "channel: dictionary");
            Assert.That(gate.HeldStrings("ch:a")!.Value.Epoch, Is.EqualTo("g"), "another epoch is taken");
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Duplicate), "the offset moved on");
            Assert.That(gate.Admit(Frame, "ch:a", "g", 1), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
        });
    }

    private static string Fresh(string text) => new(text.AsSpan());

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
