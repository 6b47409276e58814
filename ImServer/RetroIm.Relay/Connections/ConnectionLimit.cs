using System.Globalization;

namespace RetroIm.Relay.Connections;

/// <summary>How many connections a node takes (<see cref="ImRelayOptions.MaxConnections"/>).</summary>
internal static class ConnectionLimit
{
    /// <summary>
    /// File descriptors kept free of client sockets out of <paramref name="openFiles"/> — Redis links, the listener,
    /// logs, health and metrics requests, handshakes in flight: a tenth, between 50 and 1,000.
    /// </summary>
    public static long ReservedFiles(long openFiles) => Math.Clamp(openFiles / 10, 50, 1000);

    /// <summary>The effective limit: the configured one, or (0) the open-file limit less the reserve; 0 means none.</summary>
    public static int Resolve(int configured)
    {
        if (configured < 0) return 0;
        if (configured > 0) return configured;
        return OpenFileLimit() is { } files ? (int)Math.Clamp(files - ReservedFiles(files), 10, int.MaxValue) : 0;
    }

    /// <summary>The soft RLIMIT_NOFILE of this process (Linux: /proc/self/limits), or null when unknown or unlimited.</summary>
    public static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or no procfs: no automatic limit.
        }
        return null;
    }
}
