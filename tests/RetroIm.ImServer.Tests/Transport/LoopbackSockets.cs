using System.Net;
using System.Net.Sockets;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>Two ends of one real TCP connection on 127.0.0.1, for tests of the relay's socket-level pieces.</summary>
internal static class LoopbackSockets
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    /// <summary>The accepted (server) end, with no-delay on, and the connecting (client) end.</summary>
    public static async Task<(Socket Server, Socket Client)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Bound);
        var server = await listener.AcceptAsync().WaitAsync(Bound);
        server.NoDelay = true;
        return (server, client);
    }
}
