using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace RetroIm.Bench;

/// <summary>
/// The fallback <see cref="MessageReceiver"/>: one thread waits on an edge-triggered epoll for all the process's sockets
/// and reads each ready one without blocking, one <c>recv</c> per socket.
/// </summary>
internal sealed unsafe class EpollReceiver : MessageReceiver
{
    internal const int MsgDontWait = 0x40;
    internal const int EAgain = 11;
    internal const int EIntr = 4;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const uint EpollRdHup = 0x2000;
    private const uint EpollEt = 1u << 31;
    private const int EpollCloexec = 0x80000;
    private const int MaxEvents = 256;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, Registration> _registrations = new();
    private readonly Thread _thread;
    private volatile bool _disposed;

    public EpollReceiver()
    {
        _epoll = epoll_create1(EpollCloexec);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()})");
        _thread = new Thread(Loop) { IsBackground = true, Name = "bench epoll" };
        _thread.Start();
    }

    public override string Kind => "epoll";

    protected override bool IsDisposed => _disposed;

    protected override bool IsOwn(int fd) => fd == _epoll;

    protected override void Watch(Registration registration)
    {
        _registrations[registration.Id] = registration;
        var ev = new EpollEvent { Events = EpollIn | EpollRdHup | EpollEt, Data = (ulong)registration.Id };
        // Bytes already waiting in the kernel make the socket ready at once: the loop reads them.
        if (epoll_ctl(_epoll, EpollCtlAdd, registration.Socket.FileDescriptor, &ev) != 0)
        {
            _registrations.TryRemove(registration.Id, out _);
            registration.End(new IOException($"epoll_ctl ADD failed (errno {Marshal.GetLastPInvokeError()})"));
        }
    }

    private void Loop()
    {
        var events = stackalloc EpollEvent[MaxEvents];
        while (!_disposed)
        {
            var n = epoll_wait(_epoll, events, MaxEvents, 200);
            for (var i = 0; i < n; i++)
            {
                if (!_registrations.TryGetValue((long)events[i].Data, out var registration)) continue;
                bool open;
                Exception? error = null;
                try
                {
                    open = registration.Socket.ReceiveAvailable(registration.OnMessage, readSocket: true);
                }
                catch (Exception e)
                {
                    open = false;
                    error = e;
                }
                if (open) continue;
                var none = default(EpollEvent);
                epoll_ctl(_epoll, EpollCtlDel, registration.Socket.FileDescriptor, &none);
                _registrations.TryRemove(registration.Id, out _);
                registration.End(error);
            }
        }
    }

    public override void Dispose()
    {
        _disposed = true;
        _thread.Join(TimeSpan.FromSeconds(1));
        close(_epoll);
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    internal static extern nint Recv(int fd, byte* buffer, nint length, int flags);
}
