using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.Bench;

/// <summary>
/// The <see cref="MessageReceiver"/> of choice: one <c>io_uring</c> (the relay's <see cref="UringRing"/>) with a
/// multishot receive armed on every socket, the bytes landing in buffers the kernel takes from a provided buffer ring.
/// One thread waits in <c>io_uring_enter</c> and is handed every socket's new bytes at once: no <c>epoll_wait</c> and
/// no <c>recv</c> per message, which on these VMs (a system call's entry and exit is costly) was most of the load
/// generator's CPU per delivery. Needs Linux 6.0 (multishot receive); <see cref="TryCreate"/> says why not otherwise.
/// </summary>
/// <remarks>
/// The ring is single-issuer with deferred task work: only the loop thread submits, and the kernel's receive work runs
/// when that thread waits, in the load generator's own time. Registrations from the connecting tasks are queued and
/// announced through an eventfd the loop always has a read pending on. The buffers stay allocated for the life of the
/// process: receives still armed when the ring closes are cancelled by the kernel asynchronously.
/// </remarks>
internal sealed unsafe class UringReceiver : MessageReceiver
{
    private const ushort Group = 1;
    private const uint Entries = 256;
    private const uint Completions = 16384;
    private const int BufferCount = 4096; // a power of two (the buffer ring's size)
    private const int BufferSize = 2048;
    private const ulong WakeTag = ulong.MaxValue;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EBusy = 16;
    private const int ENoBufs = 105;
    private const int EInval = 22;
    private const int ETime = 62;
    // The loop waits up to GatherMicros for GatherCompletions before it takes what there is: a burst's receives are
    // handled together instead of one wake-up each (latencies read at most that much later, the same for every system).
    private const int GatherCompletions = 128;
    private const uint GatherMicros = 500;

    private readonly ConcurrentQueue<Registration> _incoming = new();
    private readonly Dictionary<ulong, Registration> _active = []; // the loop thread's
    private readonly List<Registration> _rearm = []; // the loop thread's
    private readonly Thread _thread;
    private readonly TaskCompletionSource<string?> _started = new();
    private readonly byte* _buffers;
    private readonly byte* _bufferRing;
    private readonly ulong* _wakeValue;
    private int _eventFd = -1;
    private ushort _bufferTail;
    private volatile bool _disposed;
    private bool _gather = true;

    private UringReceiver()
    {
        _buffers = (byte*)NativeMemory.Alloc((nuint)BufferCount * BufferSize);
        _bufferRing = (byte*)NativeMemory.AlignedAlloc((nuint)BufferCount * 16, 4096);
        _wakeValue = (ulong*)NativeMemory.Alloc(sizeof(ulong));
        _thread = new Thread(Loop) { IsBackground = true, Name = "bench uring" };
    }

    /// <summary>A receiver, or null with the reason when this kernel cannot give one (no io_uring, no buffer ring).</summary>
    public static UringReceiver? TryCreate(out string? reason)
    {
        var receiver = new UringReceiver();
        receiver._thread.Start();
        // The ring is created on the loop thread (a single-issuer ring belongs to the thread that made it).
        reason = receiver._started.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return reason is null ? receiver : null;
    }

    public override string Kind => "io_uring";

    protected override bool IsDisposed => _disposed;

    protected override bool IsOwn(int fd) => fd == _eventFd;

    protected override void Watch(Registration registration)
    {
        _incoming.Enqueue(registration);
        Wake();
    }

    private void Wake()
    {
        ulong one = 1;
        write(_eventFd, &one, sizeof(ulong));
    }

    private void Loop()
    {
        using var ring = Open(out var reason);
        _started.TrySetResult(reason);
        if (ring is null) return;
        ArmWake(ring);
        Exception? failure = null;
        while (!_disposed)
        {
            while (_incoming.TryDequeue(out var registration))
            {
                _active[(ulong)registration.Id] = registration;
                ArmReceive(ring, registration);
            }
            foreach (var registration in _rearm) ArmReceive(ring, registration);
            _rearm.Clear();
            // At most a second asleep when nothing comes (the minimum wait needs a limit to fall back on).
            var rc = _gather ? ring.EnterGathering(ring.Publish(), GatherCompletions, GatherMicros, 1000) : ring.Enter(ring.Publish(), 1, UringRing.EnterGetEvents);
            if (rc < 0 && _gather && Marshal.GetLastPInvokeError() == EInval)
            {
                _gather = false; // before Linux 6.12: woken for each completion
                continue;
            }
            if (rc < 0 && Marshal.GetLastPInvokeError() is not (EIntr or EAgain or EBusy or ETime))
            {
                failure = new IOException($"io_uring_enter failed (errno {Marshal.GetLastPInvokeError()})");
                break;
            }
            while (ring.TryTakeCompletion(out var userData, out var result, out var flags)) Complete(ring, userData, result, flags);
            // The buffers handed back by this round's completions, for the kernel to fill again.
            Volatile.Write(ref *(ushort*)(_bufferRing + 14), _bufferTail);
        }
        foreach (var registration in _active.Values) registration.End(failure);
        _active.Clear();
    }

    /// <summary>The ring, its eventfd and its provided buffers; null with the reason when this kernel refuses one.</summary>
    private UringRing? Open(out string? reason)
    {
        var ring = UringRing.TryCreate(Entries, Completions,
            [UringRing.SetupSingleIssuer | UringRing.SetupDeferTaskRun | UringRing.SetupSubmitAll, UringRing.SetupSubmitAll, 0], out reason);
        if (ring is null) return null;
        _eventFd = eventfd(0, EfdCloexec);
        for (var bid = 0; bid < BufferCount; bid++) GiveBuffer((ushort)bid);
        Volatile.Write(ref *(ushort*)(_bufferRing + 14), _bufferTail);
        var errno = _eventFd < 0 ? Marshal.GetLastPInvokeError() : ring.RegisterBufferRing((nint)_bufferRing, BufferCount, Group);
        if (errno == 0) return ring;
        reason = _eventFd < 0 ? $"eventfd failed: errno {errno}" : $"io_uring buffer ring refused (Linux 5.19+): errno {errno}";
        ring.Dispose();
        return null;
    }

    private void Complete(UringRing ring, ulong userData, int result, uint flags)
    {
        if (userData == WakeTag)
        {
            ArmWake(ring);
            return;
        }
        _active.TryGetValue(userData, out var registration);
        var open = true;
        Exception? error = null;
        if ((flags & UringRing.CompletionBuffer) != 0)
        {
            var bid = (ushort)(flags >> 16);
            if (registration is not null && result > 0)
            {
                try
                {
                    open = registration.Socket.Feed(new ReadOnlySpan<byte>(_buffers + bid * BufferSize, result), registration.OnMessage);
                }
                catch (Exception e)
                {
                    open = false;
                    error = e;
                }
            }
            GiveBuffer(bid);
        }
        if (registration is null) return; // a late completion of a connection already ended
        if (open && result > 0)
        {
            // Still armed; or the kernel ended the multishot (its completion queue was full): armed again.
            if ((flags & UringRing.CompletionMore) == 0) _rearm.Add(registration);
            return;
        }
        if (open && result == -ENoBufs)
        {
            // Every buffer was in use: armed again once this round's are back.
            _rearm.Add(registration);
            return;
        }
        // The end of the stream, a read error, a close frame or a protocol error: a receive still armed ends with the
        // shutdown (its last completion is dropped above).
        _active.Remove(userData);
        if (result < 0 && error is null && result != -104) error = new IOException($"receive failed: errno {-result}");
        registration.Socket.Shutdown();
        registration.End(error);
    }

    private static void ArmReceive(UringRing ring, Registration registration)
    {
        MakeRoom(ring);
        ring.NextMultishotReceive(registration.Socket.FileDescriptor, (ulong)registration.Id, Group);
    }

    private void ArmWake(UringRing ring)
    {
        MakeRoom(ring);
        var sqe = ring.NextEntry(UringRing.OpRead, _eventFd, WakeTag);
        *(ulong*)(sqe + 16) = (ulong)_wakeValue;
        *(uint*)(sqe + 24) = sizeof(ulong);
    }

    /// <summary>Submits what is queued when the submission queue is full, so the next entry has a place.</summary>
    private static void MakeRoom(UringRing ring)
    {
        while (ring.Free == 0)
        {
            if (ring.Enter(ring.Publish(), 0, 0) < 0 && Marshal.GetLastPInvokeError() is not (EIntr or EAgain or EBusy))
            {
                throw new IOException($"io_uring_enter failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
    }

    /// <summary>Puts buffer <paramref name="bid"/> back in the ring (seen by the kernel once the tail is published).</summary>
    private void GiveBuffer(ushort bid)
    {
        // struct io_uring_buf: addr, len, bid, and a reserved field that is the ring's tail in the first entry.
        var entry = _bufferRing + (_bufferTail & (BufferCount - 1)) * 16;
        *(ulong*)entry = (ulong)(_buffers + bid * BufferSize);
        *(uint*)(entry + 8) = BufferSize;
        *(ushort*)(entry + 12) = bid;
        _bufferTail++;
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_eventFd >= 0) Wake();
        _thread.Join(TimeSpan.FromSeconds(1));
    }

    private const int EfdCloexec = 0x80000;

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initial, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, void* buffer, nint count);
}
