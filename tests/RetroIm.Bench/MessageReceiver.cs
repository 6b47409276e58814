using System.Runtime.InteropServices;

namespace RetroIm.Bench;

/// <summary>
/// The load generator's receive loop once a client is connected: one thread per process reads all its sockets and
/// hands the messages to the caller on that thread. .NET's asynchronous receive hands every completion from its epoll
/// thread to a thread-pool worker; on two shared cores those thread switches were a quarter of the load generator's
/// CPU, taken from the servers it measures (both systems use this same load generator). Connecting and handshakes stay
/// on .NET's sockets. <see cref="Create"/> picks <see cref="UringReceiver"/> (one system call for many sockets' reads)
/// where this kernel has it, else <see cref="EpollReceiver"/> (one read per socket).
/// </summary>
/// <remarks>
/// A socket that did asynchronous work is still registered with .NET's own epoll, which would wake for every message
/// as well: on registration here it is removed from every other epoll instance of the process (they are .NET's), and
/// only this receiver reads it from then on. Sends (Socket.IO pongs, close replies) stay synchronous .NET sends: tiny
/// frames a loopback socket always has room for. Linux only, like the rest of the benchmark.
/// </remarks>
internal abstract unsafe class MessageReceiver : IDisposable
{
    private const int EpollCtlDel = 2;

    private int[]? _otherEpolls;
    private long _nextId;

    /// <summary>What reads the sockets, for the report: "io_uring" or "epoll".</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// An <see cref="UringReceiver"/> where this kernel has what it needs, else (or with <c>RETROIM_BENCH_RECEIVE=epoll</c>,
    /// to compare) an <see cref="EpollReceiver"/>.
    /// </summary>
    public static MessageReceiver Create(out string? uringRefused)
    {
        uringRefused = null;
        if (Environment.GetEnvironmentVariable("RETROIM_BENCH_RECEIVE") == "epoll") return new EpollReceiver();
        return UringReceiver.TryCreate(out uringRefused) ?? (MessageReceiver)new EpollReceiver();
    }

    /// <summary>
    /// Reads <paramref name="socket"/> from now on and hands each message to <paramref name="onMessage"/> (on this
    /// receiver's thread). The task completes when the connection ends (<see cref="BenchSocket.Shutdown"/> ends it
    /// from outside), faulted when the server broke the protocol; the socket is then no longer read and the caller
    /// disposes it.
    /// </summary>
    public Task ReceiveAsync(BenchSocket socket, MessageHandler onMessage)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
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
            epoll_ctl(other, EpollCtlDel, fd, null); // ENOENT where it was not registered
        }
        // Bytes already waiting in the kernel are read as soon as the socket is watched.
        Watch(registration);
        return registration.Ended.Task;
    }

    protected abstract bool IsDisposed { get; }

    /// <summary>Starts reading the registration's socket; on failure ends its task with the error.</summary>
    protected abstract void Watch(Registration registration);

    /// <summary>The process's other epoll instances (.NET's socket engines), found once they exist.</summary>
    private int[] OtherEpolls()
    {
        if (_otherEpolls is { Length: > 0 } known) return known;
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var fd) || IsOwn(fd)) continue;
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

    /// <summary>Whether <paramref name="fd"/> is this receiver's own (its epoll instance is not to be touched).</summary>
    protected abstract bool IsOwn(int fd);

    public abstract void Dispose();

    protected sealed class Registration(long id, BenchSocket socket, MessageHandler onMessage)
    {
        public long Id { get; } = id;

        public BenchSocket Socket { get; } = socket;

        public MessageHandler OnMessage { get; } = onMessage;

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Ends the registration's task: normally, or with the error that ended the connection.</summary>
        public void End(Exception? error)
        {
            if (error is null) Ended.TrySetResult();
            else Ended.TrySetException(error);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, void* ev);
}
