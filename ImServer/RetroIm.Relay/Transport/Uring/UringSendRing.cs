using System.Runtime.InteropServices;

namespace RetroIm.Relay.Transport.Uring;

/// <summary>
/// One Linux <c>io_uring</c> used for one thing: many non-blocking sends in one system call. A fan-out's sends are
/// written as <c>IORING_OP_SEND</c> entries with <c>MSG_DONTWAIT</c>, so each completes (or fails with EAGAIN) while
/// <c>io_uring_enter</c> submits it, and the call returns with every result: the same work as one <c>send(2)</c> per
/// socket, without one system-call entry and exit per socket.
/// </summary>
/// <remarks>
/// Not thread-safe: one user at a time (<see cref="SendBatchPool"/> rents it out). The ring lives in memory shared with
/// the kernel (three mappings of the ring's file descriptor); the layouts are the kernel's ABI
/// (<c>include/uapi/linux/io_uring.h</c>), read here by offset.
/// </remarks>
internal sealed unsafe partial class UringSendRing : IDisposable
{
    /// <summary>Sends submitted per <see cref="SendAll"/> call at most (the submission queue's size).</summary>
    public const int Capacity = 256;

    // System calls: the same numbers on x86-64 and arm64 (the generic table).
    private const long SysIoUringSetup = 425;
    private const long SysIoUringEnter = 426;

    private const uint SetupSubmitAll = 1u << 7;
    private const uint SetupCoopTaskRun = 1u << 8;
    private const uint FeatSingleMmap = 1;
    private const uint EnterGetEvents = 1;
    private const byte OpSend = 26;
    private const uint MsgDontWait = 0x40;
    private const uint MsgNoSignal = 0x4000;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapSharedPopulate = 0x01 | 0x8000;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const int SqeSize = 64;
    private const int CqeSize = 16;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EBusy = 16;

    private readonly int _fd;
    private readonly nint _sqMap;
    private readonly nuint _sqMapLength;
    private readonly nint _cqMap;
    private readonly nuint _cqMapLength;
    private readonly nint _sqesMap;
    private readonly nuint _sqesMapLength;
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly byte* _sqes;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private bool _disposed;

    private UringSendRing(int fd, nint sqMap, nuint sqMapLength, nint cqMap, nuint cqMapLength, nint sqesMap, nuint sqesMapLength, byte* parameters)
    {
        _fd = fd;
        _sqMap = sqMap;
        _sqMapLength = sqMapLength;
        _cqMap = cqMap;
        _cqMapLength = cqMapLength;
        _sqesMap = sqesMap;
        _sqesMapLength = sqesMapLength;
        var sq = (byte*)sqMap;
        var cq = (byte*)cqMap;
        // struct io_uring_params: 40 bytes of fields, then io_sqring_offsets (40 bytes), then io_cqring_offsets.
        _sqHead = (uint*)(sq + Field(parameters, 40));
        _sqTail = (uint*)(sq + Field(parameters, 44));
        _sqMask = *(uint*)(sq + Field(parameters, 48));
        _sqArray = (uint*)(sq + Field(parameters, 64));
        _cqHead = (uint*)(cq + Field(parameters, 80));
        _cqTail = (uint*)(cq + Field(parameters, 84));
        _cqMask = *(uint*)(cq + Field(parameters, 88));
        _cqes = cq + Field(parameters, 100);
        _sqes = (byte*)sqesMap;
    }

    /// <summary>
    /// Opens a ring, or returns null with the reason when this system has none to give (not Linux, an old kernel,
    /// <c>kernel.io_uring_disabled</c>, a seccomp profile that refuses it, or a locked-memory limit).
    /// </summary>
    public static UringSendRing? TryCreate(out string? reason)
    {
        reason = null;
        if (!OperatingSystem.IsLinux() || !(Environment.Is64BitProcess && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            reason = "io_uring needs 64-bit Linux on x64 or arm64";
            return null;
        }
        var parameters = stackalloc byte[120];
        int fd;
        try
        {
            fd = Setup(parameters, SetupSubmitAll | SetupCoopTaskRun);
            // Kernels before 5.19 know neither flag: the ring works without them.
            if (fd < 0 && Marshal.GetLastPInvokeError() == 22) fd = Setup(parameters, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            reason = $"io_uring: no libc to call it through ({e.Message})";
            return null;
        }
        if (fd < 0)
        {
            reason = $"io_uring_setup failed: errno {Marshal.GetLastPInvokeError()}";
            return null;
        }
        var sqEntries = Field(parameters, 0);
        var cqEntries = Field(parameters, 4);
        var features = Field(parameters, 20);
        var sqLength = (nuint)(Field(parameters, 64) + sqEntries * sizeof(uint));
        var cqLength = (nuint)(Field(parameters, 100) + cqEntries * CqeSize);
        var single = (features & FeatSingleMmap) != 0;
        if (single) sqLength = cqLength = Math.Max(sqLength, cqLength);
        var sqesLength = (nuint)(sqEntries * SqeSize);
        nint sqMap = -1, cqMap = -1, sqesMap = -1;
        sqMap = Map(sqLength, fd, OffSqRing);
        if (sqMap != -1) cqMap = single ? sqMap : Map(cqLength, fd, OffCqRing);
        if (cqMap != -1) sqesMap = Map(sqesLength, fd, OffSqes);
        if (sqesMap == -1)
        {
            reason = $"io_uring: mmap of the ring failed: errno {Marshal.GetLastPInvokeError()}";
            if (cqMap != -1 && !single) Native.munmap(cqMap, cqLength);
            if (sqMap != -1) Native.munmap(sqMap, sqLength);
            Native.close(fd);
            return null;
        }
        return new UringSendRing(fd, sqMap, sqLength, cqMap, single ? 0 : cqLength, sqesMap, sqesLength, parameters);
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
        var tail = *_sqTail;
        for (var i = 0; i < count; i++, tail++)
        {
            var slot = tail & _sqMask;
            var sqe = _sqes + slot * SqeSize;
            new Span<byte>(sqe, SqeSize).Clear();
            sqe[0] = OpSend;
            *(int*)(sqe + 4) = fds[i];
            *(ulong*)(sqe + 16) = (ulong)buffers[i];
            *(uint*)(sqe + 24) = (uint)lengths[i];
            *(uint*)(sqe + 28) = MsgDontWait | MsgNoSignal;
            *(ulong*)(sqe + 32) = (ulong)i;
            _sqArray[slot] = slot;
            results[i] = 0;
        }
        Volatile.Write(ref *_sqTail, tail);

        var submitted = 0;
        var completed = 0;
        var healthy = true;
        while (completed < count)
        {
            var rc = Native.syscall(SysIoUringEnter, _fd, count - submitted, count - completed, EnterGetEvents, 0, 0);
            if (rc > 0 || (rc == 0 && submitted == count))
            {
                submitted += (int)rc;
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
                submitted = (int)(Volatile.Read(ref *_sqHead) - (tail - (uint)count));
                while (completed < submitted)
                {
                    if (Native.syscall(SysIoUringEnter, _fd, 0, submitted - completed, EnterGetEvents, 0, 0) < 0
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
        var head = *_cqHead;
        var end = Volatile.Read(ref *_cqTail);
        var taken = 0;
        for (; head != end; head++, taken++)
        {
            var cqe = _cqes + (head & _cqMask) * CqeSize;
            var index = *(ulong*)cqe;
            if (index < (ulong)results.Length) results[(int)index] = *(int*)(cqe + 8);
        }
        Volatile.Write(ref *_cqHead, head);
        return taken;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Native.munmap(_sqesMap, _sqesMapLength);
        if (_cqMapLength != 0) Native.munmap(_cqMap, _cqMapLength); // 0: one mapping holds both rings
        Native.munmap(_sqMap, _sqMapLength);
        Native.close(_fd);
    }

    private static int Setup(byte* parameters, uint flags)
    {
        new Span<byte>(parameters, 120).Clear();
        *(uint*)(parameters + 8) = flags;
        // Twice as many completions as submissions (the kernel's default), all reaped by each SendAll.
        return (int)Native.syscall(SysIoUringSetup, Capacity, (long)parameters, 0, 0, 0, 0);
    }

    private static nint Map(nuint length, int fd, long offset) => Native.mmap(0, length, ProtReadWrite, MapSharedPopulate, fd, offset);

    private static uint Field(byte* parameters, int offset) => *(uint*)(parameters + offset);

    private static partial class Native
    {
        // syscall(2) is variadic; its integer arguments go in the same registers as a fixed signature's on x64 and arm64 Linux.
        [LibraryImport("libc", SetLastError = true)]
        public static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        [LibraryImport("libc", SetLastError = true)]
        public static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int munmap(nint address, nuint length);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int close(int fd);
    }
}
