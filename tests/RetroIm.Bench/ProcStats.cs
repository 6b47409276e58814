using System.Globalization;

namespace RetroIm.Bench;

/// <summary>Reads a process's resident memory and CPU time from /proc (Linux), so servers are measured from outside.</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux we run on

    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var kb = long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0]);
            return kb * 1024;
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    /// <summary>User plus system CPU seconds the process has used so far.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
    }

    /// <summary>
    /// Per thread of the process (by thread id), the seconds it has run and has waited, ready to run, for a CPU (the
    /// kernel's run delay), from <c>/proc/PID/task/*/schedstat</c>; null where the kernel keeps no schedstat. Compare two
    /// of these with <see cref="SchedDelta"/>.
    /// </summary>
    public static Dictionary<int, RunWait>? SchedSeconds(int pid)
    {
        try
        {
            var threads = new Dictionary<int, RunWait>();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(task, "schedstat"));
                }
                catch (IOException)
                {
                    continue; // the thread ended while we listed them
                }
                var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2) return null;
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    new RunWait(long.Parse(fields[0], CultureInfo.InvariantCulture) / 1e9, long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e9);
            }
            return threads;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Run and wait seconds between two <see cref="SchedSeconds"/> of one process, summed over the threads alive at
    /// both (a thread that ended took its figures with it): a lower bound where threads come and go.
    /// </summary>
    public static RunWait SchedDelta(Dictionary<int, RunWait> before, Dictionary<int, RunWait> after)
    {
        double run = 0, wait = 0;
        foreach (var (tid, a) in after)
        {
            if (!before.TryGetValue(tid, out var b)) continue;
            run += a.Run - b.Run;
            wait += a.Wait - b.Wait;
        }
        return new RunWait(run, wait);
    }

    /// <summary>
    /// Seconds, summed over every CPU, the machine's virtual CPUs were ready to run but the host ran something else
    /// ("steal", the 8th number of /proc/stat's <c>cpu</c> line); 0 where the kernel does not report it. Taken around a
    /// phase it tells a run slowed by the host's other guests from one slowed by what it measures.
    /// </summary>
    public static double StealSeconds()
    {
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal)) continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 8 ? long.Parse(fields[8]) / TicksPerSecond : 0;
        }
        return 0;
    }

    /// <summary>
    /// <paramref name="stealSeconds"/> (a difference of <see cref="StealSeconds"/>) as a percentage of all this machine's
    /// cores over <paramref name="elapsedSeconds"/>: the <c>steal_pct</c> every scenario reports.
    /// </summary>
    public static double StealPercent(double stealSeconds, double elapsedSeconds)
        => Math.Round(100 * stealSeconds / Math.Max(1e-9, elapsedSeconds * Environment.ProcessorCount), 1);
}

/// <summary>Seconds a thread (or a sum of threads) ran, and waited ready to run for a CPU.</summary>
internal readonly record struct RunWait(double Run, double Wait);
