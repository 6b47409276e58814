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
    /// Seconds the process's threads have run and have waited, ready to run, for a CPU (the kernel's run delay), summed
    /// over the threads alive now (<c>/proc/PID/task/*/schedstat</c>: run and wait nanoseconds); null where the kernel
    /// keeps no schedstat. Taken around a phase, a process whose run and wait add up to nearly the whole phase always
    /// had work: what it waited is how much the other processes' CPU slowed it.
    /// </summary>
    public static (double Run, double Wait)? SchedSeconds(int pid)
    {
        try
        {
            long run = 0, wait = 0;
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
                run += long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
                wait += long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            return (run / 1e9, wait / 1e9);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
