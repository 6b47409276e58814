using System.Runtime.InteropServices;

namespace RetroIm.Relay.Transport.Uring;

/// <summary>
/// One Linux <c>io_uring</c> at the level of its ABI: the submission and completion queues mapped from the ring's file
/// descriptor, entries written and completions read by offset (<c>include/uapi/linux/io_uring.h</c>), and the three
/// system calls. What a ring is used for lives in its users: <see cref="UringSendRing"/> (a fan-out's sends in one call)
/// and the benchmark's load generator (multishot receives into a provided buffer ring).
/// </summary>
/// <remarks>Not thread-safe: one thread submits and reaps at a time.</remarks>
internal sealed unsafe partial class UringRing : IDisposable
{
    /// <summary><c>IORING_SETUP_CQSIZE</c>: the completion queue's size is given, not twice the submission queue's.</summary>
    public const uint SetupCqSize = 1u << 3;

    /// <summary><c>IORING_SETUP_SUBMIT_ALL</c>: submission goes on past an entry that failed (5.18).</summary>
    public const uint SetupSubmitAll = 1u << 7;

    /// <summary><c>IORING_SETUP_COOP_TASKRUN</c>: completions do not interrupt the submitter (5.19).</summary>
    public const uint SetupCoopTaskRun = 1u << 8;

    /// <summary><c>IORING_SETUP_SINGLE_ISSUER</c>: one thread submits (6.0).</summary>
    public const uint SetupSingleIssuer = 1u << 12;

    /// <summary><c>IORING_SETUP_DEFER_TASKRUN</c>: completion work runs when the submitter waits for it (6.1).</summary>
    public const uint SetupDeferTaskRun = 1u << 13;

    /// <summary><c>IORING_ENTER_GETEVENTS</c>: wait for the given number of completions.</summary>
    public const uint EnterGetEvents = 1;

    /// <summary>The completion's flag <c>IORING_CQE_F_BUFFER</c>: a provided buffer was used; its id is in the upper 16 bits.</summary>
    public const uint CompletionBuffer = 1;

    /// <summary>The completion's flag <c>IORING_CQE_F_MORE</c>: a multishot request goes on.</summary>
    public const uint CompletionMore = 2;

    public const int SqeSize = 64;

    /// <summary>Opcodes (<c>enum io_uring_op</c>).</summary>
    public const byte OpNop = 0, OpRead = 22, OpSend = 26, OpRecv = 27;

    private const uint EnterExtArg = 1u << 3;
    private const byte SqeBufferSelect = 1 << 5;
    private const ushort RecvMultishot = 1 << 1;

    // System calls: the same numbers on x86-64 and arm64 (the generic table).
    private const long SysIoUringSetup = 425;
    private const long SysIoUringEnter = 426;
    private const long SysIoUringRegister = 427;
    private const uint RegisterPbufRing = 22;
    private const uint FeatSingleMmap = 1;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapSharedPopulate = 0x01 | 0x8000;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const int CqeSize = 16;
    private const int EInval = 22;

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
    private readonly uint _sqEntries;
    private readonly uint* _sqArray;
    private readonly byte* _sqes;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private uint _queued;
    private bool _disposed;

    private UringRing(int fd, nint sqMap, nuint sqMapLength, nint cqMap, nuint cqMapLength, nint sqesMap, nuint sqesMapLength, byte* parameters)
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
        _sqEntries = Field(parameters, 0);
        _sqHead = (uint*)(sq + Field(parameters, 40));
        _sqTail = (uint*)(sq + Field(parameters, 44));
        _sqMask = *(uint*)(sq + Field(parameters, 48));
        _sqArray = (uint*)(sq + Field(parameters, 64));
        _cqHead = (uint*)(cq + Field(parameters, 80));
        _cqTail = (uint*)(cq + Field(parameters, 84));
        _cqMask = *(uint*)(cq + Field(parameters, 88));
        _cqes = cq + Field(parameters, 100);
        _sqes = (byte*)sqesMap;
        _queued = *_sqTail;
    }

    /// <summary>
    /// Opens a ring of <paramref name="entries"/> submissions (and <paramref name="completions"/> completions, 0: twice
    /// as many) with the first of <paramref name="setupFlags"/> this kernel accepts (older kernels refuse newer flags),
    /// or returns null with the reason when this system has no ring to give (not Linux, an old kernel,
    /// <c>kernel.io_uring_disabled</c>, a seccomp profile that refuses it, or a locked-memory limit).
    /// </summary>
    public static UringRing? TryCreate(uint entries, uint completions, ReadOnlySpan<uint> setupFlags, out string? reason)
    {
        reason = null;
        if (!OperatingSystem.IsLinux() || !(Environment.Is64BitProcess && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            reason = "io_uring needs 64-bit Linux on x64 or arm64";
            return null;
        }
        var parameters = stackalloc byte[120];
        var fd = -1;
        try
        {
            foreach (var flags in setupFlags)
            {
                new Span<byte>(parameters, 120).Clear();
                *(uint*)(parameters + 8) = completions > 0 ? flags | SetupCqSize : flags;
                *(uint*)(parameters + 4) = completions;
                fd = (int)Native.syscall(SysIoUringSetup, entries, (long)parameters, 0, 0, 0, 0);
                if (fd >= 0 || Marshal.GetLastPInvokeError() != EInval) break;
            }
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
        return new UringRing(fd, sqMap, sqLength, cqMap, single ? 0 : cqLength, sqesMap, sqesLength, parameters);
    }

    /// <summary>Submission entries written by <see cref="NextEntry"/> so far (a running count that wraps).</summary>
    public uint Queued => _queued;

    /// <summary>Submission entries the kernel has taken so far (the same running count).</summary>
    public uint Consumed => Volatile.Read(ref *_sqHead);

    /// <summary>Room left in the submission queue.</summary>
    public int Free => (int)(_sqEntries - (_queued - Consumed));

    /// <summary>
    /// The next submission entry, zeroed, with <paramref name="opcode"/>, <paramref name="fd"/> and
    /// <paramref name="userData"/> set for the caller to fill in the rest; null when the queue is full. The kernel sees
    /// it after <see cref="Publish"/>.
    /// </summary>
    public byte* NextEntry(byte opcode, int fd, ulong userData)
    {
        if (Free <= 0) return null;
        var slot = _queued & _sqMask;
        var sqe = _sqes + slot * SqeSize;
        new Span<byte>(sqe, SqeSize).Clear();
        sqe[0] = opcode;
        *(int*)(sqe + 4) = fd;
        *(ulong*)(sqe + 32) = userData;
        _sqArray[slot] = slot;
        _queued++;
        return sqe;
    }

    /// <summary>
    /// A multishot receive on <paramref name="fd"/> (Linux 6.0): one request that completes once for every batch of
    /// bytes the socket gets, each into a buffer the kernel takes from group <paramref name="bufferGroup"/>
    /// (<see cref="RegisterBufferRing"/>), until the stream ends or it fails. Null when the queue is full.
    /// </summary>
    public byte* NextMultishotReceive(int fd, ulong userData, ushort bufferGroup)
    {
        var sqe = NextEntry(OpRecv, fd, userData);
        if (sqe is null) return null;
        sqe[1] = SqeBufferSelect;
        *(ushort*)(sqe + 2) = RecvMultishot; // ioprio carries the receive's own flags
        *(ushort*)(sqe + 40) = bufferGroup;
        return sqe;
    }

    /// <summary>Makes the entries written so far visible to the kernel; returns how many it has not taken yet.</summary>
    public int Publish()
    {
        Volatile.Write(ref *_sqTail, _queued);
        return (int)(_queued - Consumed);
    }

    /// <summary>
    /// <c>io_uring_enter</c>: submits up to <paramref name="submit"/> published entries and, with
    /// <see cref="EnterGetEvents"/>, waits until <paramref name="wait"/> completions are ready. The entries taken, or
    /// -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.
    /// </summary>
    public int Enter(int submit, int wait, uint flags) => (int)Native.syscall(SysIoUringEnter, _fd, submit, wait, flags, 0, 0);

    /// <summary>
    /// <c>io_uring_enter</c> that submits up to <paramref name="submit"/> entries and waits up to
    /// <paramref name="minWaitMicros"/> for <paramref name="wait"/> completions, then for the first one up to
    /// <paramref name="timeoutMillis"/> (<c>min_wait_usec</c>, Linux 6.12): a waiter that gathers completions instead
    /// of waking for each. As <see cref="Enter"/> otherwise: ETIME when the wait ended on a timeout (completions may
    /// be there all the same), EINVAL where the kernel has no such wait.
    /// </summary>
    public int EnterGathering(int submit, int wait, uint minWaitMicros, int timeoutMillis)
    {
        var timeout = stackalloc long[2]; // struct __kernel_timespec
        timeout[0] = timeoutMillis / 1000;
        timeout[1] = timeoutMillis % 1000 * 1_000_000L;
        var arg = stackalloc ulong[3]; // struct io_uring_getevents_arg: sigmask, sigmask_sz, min_wait_usec, ts
        arg[0] = 0;
        arg[1] = (ulong)minWaitMicros << 32;
        arg[2] = (ulong)timeout;
        return (int)Native.syscall(SysIoUringEnter, _fd, submit, wait, EnterGetEvents | EnterExtArg, (long)arg, 24);
    }

    /// <summary>Takes the oldest completion waiting, if any.</summary>
    public bool TryTakeCompletion(out ulong userData, out int result, out uint flags)
    {
        var head = *_cqHead;
        if (head == Volatile.Read(ref *_cqTail))
        {
            userData = 0;
            result = 0;
            flags = 0;
            return false;
        }
        var cqe = _cqes + (head & _cqMask) * CqeSize;
        userData = *(ulong*)cqe;
        result = *(int*)(cqe + 8);
        flags = *(uint*)(cqe + 12);
        Volatile.Write(ref *_cqHead, head + 1);
        return true;
    }

    /// <summary>
    /// Registers a provided buffer ring (<c>IORING_REGISTER_PBUF_RING</c>, 5.19): <paramref name="entries"/> (a power of
    /// two) 16-byte <c>io_uring_buf</c> descriptors at page-aligned <paramref name="address"/>, buffer group
    /// <paramref name="groupId"/>. 0, or the errno.
    /// </summary>
    public int RegisterBufferRing(nint address, uint entries, ushort groupId)
    {
        var registration = stackalloc ulong[5]; // struct io_uring_buf_reg: ring_addr, ring_entries, bgid, flags, resv[3]
        new Span<ulong>(registration, 5).Clear();
        registration[0] = (ulong)address;
        *(uint*)(registration + 1) = entries;
        *((ushort*)(registration + 1) + 2) = groupId;
        return Native.syscall(SysIoUringRegister, _fd, RegisterPbufRing, (long)registration, 1, 0, 0) < 0 ? Marshal.GetLastPInvokeError() : 0;
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
