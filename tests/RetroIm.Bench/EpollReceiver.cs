using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace RetroIm.Bench;

/// <summary>
/// The load generator's receive loop once a client is connected: one thread per process waits on an edge-triggered
/// epoll for all its sockets and reads each ready one without blocking, handing the messages to the caller on that
/// thread. .NET's asynchronous receive hands every completion from its epoll thread to a thread-pool worker; on two
/// shared cores those thread switches were a quarter of the load generator's CPU, taken from the servers it measures
/// (both systems use this same load generator). Connecting and handshakes stay on .NET's sockets.
/// </summary>
/// <remarks>
/// A socket that did asynchronous work is still registered with .NET's own epoll, which would wake for every message
/// as well: on registration here it is removed from every other epoll instance of the process (they are .NET's), and
/// only this loop reads it from then on. Sends (Socket.IO pongs, close replies) stay synchronous .NET sends: tiny
/// frames a loopback socket always has room for. Linux only, like the rest of the benchmark.
/// </remarks>
internal sealed unsafe class EpollReceiver : IDisposable
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
    private int[]? _otherEpolls;
    private long _nextId;
    private volatile bool _disposed;

    public EpollReceiver()
    {
        _epoll = epoll_create1(EpollCloexec);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()})");
        _thread = new Thread(Loop) { IsBackground = true, Name = "bench epoll" };
        _thread.Start();
    }

    /// <summary>
    /// Reads <paramref name="socket"/> from now on and hands each message to <paramref name="onMessage"/> (on this
    /// receiver's thread). The task completes when the connection ends (<see cref="BenchSocket.Shutdown"/> ends it
    /// from outside), faulted when the server broke the protocol; the socket is then no longer watched and the caller
    /// disposes it.
    /// </summary>
    public Task ReceiveAsync(BenchSocket socket, MessageHandler onMessage)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var registration = new Registration(Interlocked.Increment(ref _nextId), socket, onMessage);
        // Messages that arrived with the handshake are already in the socket's buffer: handed over before the
        // socket is watched, so nothing else reads it meanwhile.
        try
        {
            if (!socket.ReceiveAvailable(onMessage, readSocket: false)) return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        var fd = socket.FileDescriptor;
        foreach (var other in OtherEpolls())
        {
            var none = default(EpollEvent);
            epoll_ctl(other, EpollCtlDel, fd, &none); // ENOENT where it was not registered
        }
        _registrations[registration.Id] = registration;
        var ev = new EpollEvent { Events = EpollIn | EpollRdHup | EpollEt, Data = (ulong)registration.Id };
        // Bytes already waiting in the kernel make the socket ready at once: the loop reads them.
        if (epoll_ctl(_epoll, EpollCtlAdd, fd, &ev) != 0)
        {
            _registrations.TryRemove(registration.Id, out _);
            return Task.FromException(new IOException($"epoll_ctl ADD failed (errno {Marshal.GetLastPInvokeError()})"));
        }
        return registration.Ended.Task;
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
                if (error is null) registration.Ended.TrySetResult();
                else registration.Ended.TrySetException(error);
            }
        }
    }

    /// <summary>The process's other epoll instances (.NET's socket engines), found once they exist.</summary>
    private int[] OtherEpolls()
    {
        if (_otherEpolls is { Length: > 0 } known) return known;
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var fd) || fd == _epoll) continue;
            try
            {
                if (new FileInfo(entry).LinkTarget == "anon_inode:[eventpoll]") found.Add(fd);
            }
            catch (IOException)
            {
                // Closed while listing (the listing's own descriptor, for one).
            }
        }
        return _otherEpolls = [.. found];
    }

    public void Dispose()
    {
        _disposed = true;
        _thread.Join(TimeSpan.FromSeconds(1));
        close(_epoll);
    }

    private sealed class Registration(long id, BenchSocket socket, MessageHandler onMessage)
    {
        public long Id { get; } = id;

        public BenchSocket Socket { get; } = socket;

        public MessageHandler OnMessage { get; } = onMessage;

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
