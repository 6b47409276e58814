using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RetroIm.Testing;

/// <summary>
/// Free loopback TCP ports for servers started by tests. Ports come from below the kernel's ephemeral range, so an
/// outgoing connection (for example a client reconnecting while its server restarts) can never take the port, and a
/// port is handed out at most once per test process.
/// </summary>
public static class TestPorts
{
    private const int LowestPort = 10_000;
    private static readonly ConcurrentDictionary<int, byte> Issued = new();
    private static readonly Lazy<int> EphemeralStart = new(ReadEphemeralStart);

    /// <summary>A loopback port nothing listens on right now and this process has not handed out before.</summary>
    /// <exception cref="InvalidOperationException">No free port was found after many tries.</exception>
    public static int GetFreePort()
    {
        var upper = Math.Max(EphemeralStart.Value, LowestPort + 1000);
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, upper);
            if (IsFree(port) && Issued.TryAdd(port, 0))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {LowestPort} and {upper}.");
    }

    /// <summary><paramref name="count"/> distinct free loopback ports.</summary>
    public static int[] GetFreePorts(int count)
    {
        var ports = new int[count];
        for (var i = 0; i < count; i++)
        {
            ports[i] = GetFreePort();
        }

        return ports;
    }

    /// <summary>True when a listener could bind the port on 127.0.0.1 right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            probe.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralStart()
    {
        // Linux: "32768\t60999". Elsewhere fall back to the IANA dynamic range start.
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            var first = File.ReadAllText(RangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 49_152;
        }
    }
}
