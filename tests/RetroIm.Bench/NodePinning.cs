using System.Runtime.InteropServices;

namespace RetroIm.Bench;

/// <summary>
/// Gives each server node a core of its own, as an operator runs one node per core (<c>taskset</c>, a Kubernetes
/// static CPU policy): node i on the i-th CPU this process may use, round robin. The same for every system measured
/// (RetroIm, Socket.IO, the floor); the publisher, Redis and the load generators are left to the scheduler. Left out
/// with <c>--no-pin</c>; reported as <c>node_cpus</c>. Unpinned, two nodes on two cores were at times put on the same
/// core, and a fan-out burst then took both their shares of it (fan-out p99 63.9 against 52.9 ms pinned).
/// </summary>
internal static unsafe class NodePinning
{
    /// <summary>The CPUs this process may run on, in order.</summary>
    public static int[] AllowedCpus()
    {
        var mask = stackalloc ulong[16];
        if (sched_getaffinity(0, 128, mask) != 0) return [0];
        var cpus = new List<int>();
        for (var c = 0; c < 1024; c++)
        {
            if ((mask[c / 64] & (1UL << (c % 64))) != 0) cpus.Add(c);
        }
        return cpus.Count > 0 ? [.. cpus] : [0];
    }

    /// <summary>
    /// Pins every thread of process <paramref name="pid"/> to <paramref name="cpu"/>; threads it starts later inherit
    /// that (the list is read twice, for a thread started meanwhile). False, with nothing changed for the rest, where a
    /// thread could not be pinned.
    /// </summary>
    public static bool Pin(int pid, int cpu)
    {
        var mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        var ok = true;
        for (var pass = 0; pass < 2; pass++)
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (IOException)
            {
                return false;
            }
            foreach (var task in tasks)
            {
                // ESRCH: the thread ended meanwhile.
                if (int.TryParse(Path.GetFileName(task), out var tid) && sched_setaffinity(tid, 128, mask) != 0 && Marshal.GetLastPInvokeError() != 3) ok = false;
            }
        }
        return ok;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint size, ulong* mask);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);
}
