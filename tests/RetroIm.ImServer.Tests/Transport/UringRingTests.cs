using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// <see cref="UringRing"/>'s receive side, as the benchmark's load generator uses it (the send side is covered through
/// <see cref="UringSendRing"/>): multishot receives on real loopback sockets fill buffers taken from a registered
/// provided buffer ring, each completion tagged with its request and its buffer; the end of a stream ends its receive;
/// a gathering wait returns with fewer completions than asked for once its minimum wait is over. Skipped where the
/// kernel has no io_uring (or no buffer ring, or no minimum wait).
/// </summary>
[TestFixture]
public sealed class UringRingTests
{
    private const ushort Group = 7;
    private const int Buffers = 8;
    private const int BufferSize = 64;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task MultishotReceive_BytesOfEachSocketArriveInProvidedBuffers_UntilItsStreamEnds()
    {
        using var ring = CreateOrIgnore(16, 64);
        var first = await LoopbackSockets.ConnectedPairAsync();
        var second = await LoopbackSockets.ConnectedPairAsync();
        try
        {
            ReceiveBoth(ring, first, second);
        }
        finally
        {
            foreach (var (server, client) in new[] { first, second })
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    private static unsafe void ReceiveBoth(UringRing ring, (Socket Server, Socket Client) first, (Socket Server, Socket Client) second)
    {
        var bufferRing = (byte*)NativeMemory.AlignedAlloc(Buffers * 16, 4096);
        var buffers = (byte*)NativeMemory.Alloc(Buffers * BufferSize);
        try
        {
            for (var bid = 0; bid < Buffers; bid++)
            {
                var entry = bufferRing + bid * 16;
                *(ulong*)entry = (ulong)(buffers + bid * BufferSize);
                *(uint*)(entry + 8) = BufferSize;
                *(ushort*)(entry + 12) = (ushort)bid;
            }
            Volatile.Write(ref *(ushort*)(bufferRing + 14), (ushort)Buffers); // the tail: every buffer given
            var errno = ring.RegisterBufferRing((nint)bufferRing, Buffers, Group);
            if (errno != 0) Assert.Ignore($"no provided buffer ring here (errno {errno})");
            ring.NextMultishotReceive((int)first.Client.SafeHandle.DangerousGetHandle(), 1, Group);
            ring.NextMultishotReceive((int)second.Client.SafeHandle.DangerousGetHandle(), 2, Group);
            ring.Publish();

            first.Server.Send("hello"u8);
            second.Server.Send("world!"u8);
            var arrived = Collect(ring, buffers, 2);
            Assert.That(arrived.Select(c => (c.Request, c.Text)), Is.EquivalentTo(new[] { (1UL, "hello"), (2UL, "world!") }), "each socket's bytes, tagged with its receive");
            Assert.That(arrived.All(c => c.More), Is.True, "a multishot receive goes on after each completion");
            Assert.That(arrived.Select(c => c.Buffer).Distinct().Count(), Is.EqualTo(2), "each completion took a buffer of its own");

            first.Server.Send("again"u8);
            first.Server.Shutdown(SocketShutdown.Send);
            var rest = Collect(ring, buffers, 2);
            Assert.That(rest[0], Is.EqualTo(rest[0] with { Request = 1, Text = "again", More = true }), "the same receive takes the next bytes");
            Assert.That((rest[1].Request, rest[1].Result, rest[1].More), Is.EqualTo((1UL, 0, false)), "the end of the stream ends that receive, and only it");
        }
        finally
        {
            // Closing the ring first cancels the receive still armed on the second socket before its buffers go.
            ring.Dispose();
            NativeMemory.AlignedFree(bufferRing);
            NativeMemory.Free(buffers);
        }
    }

    [Test]
    public unsafe void EnterGathering_FewerCompletionsThanAsked_ReturnsOnceTheMinimumWaitIsOver()
    {
        using var ring = CreateOrIgnore(8, 0);
        ring.NextEntry(UringRing.OpNop, -1, 42);
        var watch = Stopwatch.StartNew();
        // Asks for 4 completions with a 5 s limit; there will only ever be one. The minimum wait (2 ms) ends the wait.
        var rc = ring.EnterGathering(ring.Publish(), 4, 2000, 5000);
        var elapsed = watch.Elapsed;
        if (rc < 0 && Marshal.GetLastPInvokeError() == 22) Assert.Ignore("no minimum wait here (Linux 6.12+)");
        Assert.That(rc >= 0 || Marshal.GetLastPInvokeError() == 62, Is.True, $"submitted, or ended on its timeout (errno {Marshal.GetLastPInvokeError()})");
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "returned with the one completion, not at the 5 s limit");
        Assert.That(ring.TryTakeCompletion(out var userData, out var result, out _), Is.True, "the completion is there");
        Assert.That((userData, result), Is.EqualTo((42UL, 0)));
        Assert.That(ring.TryTakeCompletion(out _, out _, out _), Is.False, "and nothing else");
    }

    private static UringRing CreateOrIgnore(uint entries, uint completions)
    {
        var ring = UringRing.TryCreate(entries, completions, [0], out var reason);
        if (ring is null) Assert.Ignore($"no io_uring here: {reason}");
        return ring!;
    }

    private sealed record Completion(ulong Request, int Result, int Buffer, bool More, string Text);

    /// <summary>Submits what is queued and takes <paramref name="count"/> completions, each buffer's bytes as text (bounded).</summary>
    private static unsafe List<Completion> Collect(UringRing ring, byte* buffers, int count)
    {
        var taken = new List<Completion>();
        var watch = Stopwatch.StartNew();
        while (taken.Count < count)
        {
            Assert.That(watch.Elapsed, Is.LessThan(Bound), $"{count} completions in time (got {taken.Count})");
            // Submits what is queued; waits at most 100 ms at a time, so a missing completion fails the bound above.
            var rc = ring.EnterGathering(ring.Publish(), count - taken.Count, 0, 100);
            if (rc < 0 && Marshal.GetLastPInvokeError() == 22) rc = ring.Enter(ring.Publish(), 0, 0);
            while (ring.TryTakeCompletion(out var request, out var result, out var flags))
            {
                var hasBuffer = (flags & UringRing.CompletionBuffer) != 0;
                var bid = hasBuffer ? (int)(flags >> 16) : -1;
                var text = hasBuffer && result > 0 ? System.Text.Encoding.ASCII.GetString(buffers + bid * BufferSize, result) : "";
                taken.Add(new Completion(request, result, bid, (flags & UringRing.CompletionMore) != 0, text));
            }
        }
        return taken;
    }
}
