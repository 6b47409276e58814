using RetroIm.Relay.Connections;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>The gate's bookkeeping of sent positions, with one or two streams (kept in fields) and more (a dictionary too).</summary>
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
        var gate = OpenGate(("c:1", "e", 5), ("ch:a", "f", 10), ("ch:b", "h", 30));
        var before = new[] { "c:1", "ch:a", "ch:b" }.Select(stream => gate.HeldStrings(stream)!.Value).ToArray();

        var sent = new[]
        {
            gate.Admit(Frame, Fresh("c:1"), Fresh("e"), 6),
            gate.Admit(Frame, Fresh("ch:a"), Fresh("f"), 11),
            gate.Admit(Frame, Fresh("ch:b"), Fresh("h"), 31),
        };
        var after = new[] { "c:1", "ch:a", "ch:b" }.Select(stream => gate.HeldStrings(stream)!.Value).ToArray();
        gate.Admit(Frame, Fresh("ch:a"), Fresh("g"), 1);
        gate.Admit(Frame, Fresh("ch:b"), Fresh("i"), 1);

        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.All.EqualTo(RecoveryGate.Verdict.Send));
            string[] where = ["own stream: first fields", "first channel: second fields", "second channel: dictionary"];
            for (var i = 0; i < 3; i++)
            {
                Assert.That(ReferenceEquals(after[i].Stream, before[i].Stream) && ReferenceEquals(after[i].Epoch, before[i].Epoch), Is.True, where[i]);
            }
            Assert.That(gate.HeldStrings("ch:a")!.Value.Epoch, Is.EqualTo("g"), "another epoch is taken (fields)");
            Assert.That(gate.HeldStrings("ch:b")!.Value.Epoch, Is.EqualTo("i"), "another epoch is taken (dictionary)");
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Duplicate), "the offset moved on");
            Assert.That(gate.Admit(Frame, "ch:a", "g", 1), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
            Assert.That(gate.Admit(Frame, "ch:b", "i", 1), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
        });
    }

    private static string Fresh(string text) => new(text.AsSpan());

    [Test]
    public void SeveralStreams_EachTrackedApart_OnlyTheGappedOneRead()
    {
        var gate = OpenGate(("c:1", "e", 5), ("ch:a", "f", 10), ("ch:b", "g", 20), ("ch:c", "k", 7));

        Assert.Multiple(() =>
        {
            Assert.That(gate.Announce("ch:a", "f", 99), Is.False, "a stream is announced once per epoch");
            Assert.That(gate.Admit(Frame, "ch:b", "g", 21), Is.EqualTo(RecoveryGate.Verdict.Send));
            Assert.That(gate.Admit(Frame, "ch:c", "k", 7), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
            Assert.That(gate.Admit(Frame, "c:1", "e", 6), Is.EqualTo(RecoveryGate.Verdict.Send));
            Assert.That(gate.Admit(Frame, "ch:a", "f", 10), Is.EqualTo(RecoveryGate.Verdict.Duplicate));
            Assert.That(gate.Admit(Frame, "ch:a", "f", 12), Is.EqualTo(RecoveryGate.Verdict.Gap));
        });
        Assert.That(gate.TakePending(), Is.EqualTo(new[] { new RecoverPosition("ch:a", "f", 10) }));
        Assert.That(gate.RequestCatchUpAll(), Is.False, "a catch-up is running already");
        Assert.That(gate.TakePending(), Is.EqualTo(new[]
        {
            new RecoverPosition("c:1", "e", 6), new RecoverPosition("ch:a", "f", 10), new RecoverPosition("ch:b", "g", 21),
            new RecoverPosition("ch:c", "k", 7),
        }), "all streams, in the order they appeared (two in fields, then the dictionary's)");
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
