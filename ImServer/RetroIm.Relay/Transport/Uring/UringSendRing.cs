using System.Runtime.InteropServices;

namespace RetroIm.Relay.Transport.Uring;

/// <summary>
/// One Linux <c>io_uring</c> used for one thing: many non-blocking sends in one system call. A fan-out's sends are
/// written as <c>IORING_OP_SEND</c> entries with <c>MSG_DONTWAIT</c>, so each completes (or fails with EAGAIN) while
/// <c>io_uring_enter</c> submits it, and the call returns with every result: the same work as one <c>send(2)</c> per
/// socket, without one system-call entry and exit per socket.
/// </summary>
/// <remarks>Not thread-safe: one user at a time (<see cref="SendBatchPool"/> rents it out).</remarks>
internal sealed unsafe class UringSendRing : IDisposable
{
    /// <summary>Sends submitted per <see cref="SendAll"/> call at most (the submission queue's size).</summary>
    public const int Capacity = 256;

    private const uint MsgDontWait = 0x40;
    private const uint MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EBusy = 16;

    private readonly UringRing _ring;
    private bool _disposed;

    private UringSendRing(UringRing ring) => _ring = ring;

    /// <summary>
    /// Opens a ring, or returns null with the reason when this system has none to give (not Linux, an old kernel,
    /// <c>kernel.io_uring_disabled</c>, a seccomp profile that refuses it, or a locked-memory limit).
    /// </summary>
    public static UringSendRing? TryCreate(out string? reason)
    {
        // Kernels before 5.19 know neither flag: the ring works without them. Twice as many completions as
        // submissions (the kernel's default), all reaped by each SendAll.
        var ring = UringRing.TryCreate(Capacity, 0, [UringRing.SetupSubmitAll | UringRing.SetupCoopTaskRun, 0], out reason);
        return ring is null ? null : new UringSendRing(ring);
    }

    /// <summary>
    /// Sends <paramref name="lengths"/>[i] bytes at <paramref name="buffers"/>[i] to socket <paramref name="fds"/>[i],
    /// each without waiting, and writes what each send returned into <paramref name="results"/>: the bytes the kernel
    /// took, or a negative errno (-EAGAIN: the socket's buffer is full). At most <see cref="Capacity"/> at a time.
    /// False when the ring itself failed: the results then say 0 for every send the kernel never saw, and the ring
    /// should not be used again.
    /// </summary>
    /// <remarks>The buffers must stay where they are until this returns; it returns only when every send has completed.</remarks>
    public bool SendAll(ReadOnlySpan<int> fds, ReadOnlySpan<nint> buffers, ReadOnlySpan<int> lengths, Span<int> results)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var count = fds.Length;
        if (count > Capacity || buffers.Length != count || lengths.Length != count || results.Length < count)
        {
            throw new ArgumentException($"SendAll takes up to {Capacity} sends with a buffer, a length and a result each.");
        }
        if (count == 0) return true;
        var first = _ring.Queued;
        for (var i = 0; i < count; i++)
        {
            var sqe = _ring.NextEntry(UringRing.OpSend, fds[i], (ulong)i);
            *(ulong*)(sqe + 16) = (ulong)buffers[i];
            *(uint*)(sqe + 24) = (uint)lengths[i];
            *(uint*)(sqe + 28) = MsgDontWait | MsgNoSignal;
            results[i] = 0;
        }
        _ring.Publish();

        var submitted = 0;
        var completed = 0;
        var healthy = true;
        while (completed < count)
        {
            var rc = _ring.Enter(count - submitted, count - completed, UringRing.EnterGetEvents);
            if (rc > 0 || (rc == 0 && submitted == count))
            {
                submitted += rc;
            }
            else if (rc == 0)
            {
                // Entries left that the kernel will not take (it returns early on a submission it refuses): give up.
                healthy = false;
            }
            else
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (EIntr or EAgain or EBusy))
                {
                    healthy = false;
                }
            }
            completed += Reap(results);
            if (!healthy)
            {
                // What the kernel took from the queue completes, the rest never will: wait for the first, give up the rest.
                submitted = (int)(_ring.Consumed - first);
                while (completed < submitted)
                {
                    if (_ring.Enter(0, submitted - completed, UringRing.EnterGetEvents) < 0
                        && Marshal.GetLastPInvokeError() is not (EIntr or EAgain or EBusy))
                    {
                        break;
                    }
                    completed += Reap(results);
                }
                return false;
            }
        }
        return true;
    }

    /// <summary>Takes every completion waiting, writing each result where its user data points.</summary>
    private int Reap(Span<int> results)
    {
        var taken = 0;
        for (; _ring.TryTakeCompletion(out var index, out var result, out _); taken++)
        {
            if (index < (ulong)results.Length) results[(int)index] = result;
        }
        return taken;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _ring.Dispose();
    }
}
