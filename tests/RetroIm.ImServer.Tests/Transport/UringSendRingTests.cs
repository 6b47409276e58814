using System.Net.Sockets;
using System.Runtime.InteropServices;
using RetroIm.Relay.Transport.Uring;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// <see cref="UringSendRing"/> over real loopback TCP connections: every send of a call reaches its own peer whole; a
/// socket whose buffer is full answers EAGAIN or a short count at once instead of blocking the call; a peer that reset
/// the connection gives an error for its send only. Skipped where the kernel gives no io_uring.
/// </summary>
[TestFixture]
public sealed class UringSendRingTests
{
    private const int EAgain = 11;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task SendAll_EachSocketGetsItsOwnBytesWhole()
    {
        using var ring = CreateOrIgnore();
        var pairs = new List<(Socket Server, Socket Client)>();
        try
        {
            for (var i = 0; i < 3; i++) pairs.Add(await LoopbackSockets.ConnectedPairAsync());
            var payloads = new[] { "one"u8.ToArray(), new byte[3000], "three"u8.ToArray() };
            Array.Fill(payloads[1], (byte)'x');
            var results = Send(ring, pairs.Select(p => p.Server).ToArray(), payloads);
            Assert.That(results, Is.EqualTo(payloads.Select(p => p.Length).ToArray()), "each result is the bytes the kernel took");
            for (var i = 0; i < pairs.Count; i++)
            {
                Assert.That(await ReadExactlyAsync(pairs[i].Client, payloads[i].Length), Is.EqualTo(payloads[i]), $"socket {i} got its own bytes");
            }
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    [Test]
    public async Task SendAll_PeerStopsReading_ReturnsAtOnceWithEAgainOrAShortCount()
    {
        using var ring = CreateOrIgnore();
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            server.SendBufferSize = 4096;
            client.ReceiveBufferSize = 4096;
            var chunk = new byte[16 * 1024];
            int[] results;
            var calls = 0;
            // Nobody reads: within a few calls the kernel's buffers are full. Each call must return, not wait for room.
            do
            {
                results = Send(ring, [server], [chunk]);
                Assert.That(++calls, Is.LessThan(1000), "the buffers never filled");
            }
            while (results[0] == chunk.Length);
            Assert.That(results[0] == -EAgain || results[0] is >= 0 and < 16 * 1024, Is.True, $"a full socket answers EAGAIN or a short count, not {results[0]}");
        }
    }

    [Test]
    public async Task SendAll_OnePeerReset_FailsThatSendOnly()
    {
        using var ring = CreateOrIgnore();
        var (goneServer, goneClient) = await LoopbackSockets.ConnectedPairAsync();
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (goneServer)
        using (server)
        using (client)
        {
            goneClient.LingerState = new LingerOption(true, 0);
            goneClient.Dispose(); // RST
            var payload = "still here"u8.ToArray();
            int[] results;
            var calls = 0;
            // The reset reaches the server end as soon as it is processed; sends to it then fail with an errno.
            do
            {
                results = Send(ring, [goneServer, server], [payload, payload]);
                Assert.That(results[1], Is.EqualTo(payload.Length), "the healthy socket's send is unaffected");
                Assert.That(await ReadExactlyAsync(client, payload.Length), Is.EqualTo(payload));
                Assert.That(++calls, Is.LessThan(100), "the reset never showed");
            }
            while (results[0] >= 0);
            Assert.That(results[0], Is.LessThan(0), "a reset connection's send is an error");
        }
    }

    [Test]
    public void SendAll_MoreThanCapacity_IsRefused()
    {
        using var ring = CreateOrIgnore();
        var count = UringSendRing.Capacity + 1;
        Assert.Throws<ArgumentException>(() => ring.SendAll(new int[count], new nint[count], new int[count], new int[count]));
    }

    private static UringSendRing CreateOrIgnore()
    {
        var ring = UringSendRing.TryCreate(out var reason);
        if (ring is null) Assert.Ignore($"no io_uring here: {reason}");
        return ring!;
    }

    private static int[] Send(UringSendRing ring, Socket[] sockets, byte[][] payloads)
    {
        var handles = new GCHandle[payloads.Length];
        try
        {
            for (var i = 0; i < payloads.Length; i++) handles[i] = GCHandle.Alloc(payloads[i], GCHandleType.Pinned);
            var results = new int[sockets.Length];
            var ok = ring.SendAll(
                sockets.Select(s => (int)s.SafeHandle.DangerousGetHandle()).ToArray(),
                handles.Select(h => h.AddrOfPinnedObject()).ToArray(),
                payloads.Select(p => p.Length).ToArray(),
                results);
            Assert.That(ok, Is.True, "the ring itself works");
            return results;
        }
        finally
        {
            foreach (var handle in handles) if (handle.IsAllocated) handle.Free();
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var bytes = new byte[count];
        using var timeout = new CancellationTokenSource(Bound);
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(bytes.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0) throw new EndOfStreamException($"the peer closed after {read} of {count} bytes");
            read += n;
        }
        return bytes;
    }
}
