using System.Buffers;
using System.Net.Sockets;
using RetroIm.Relay.Transport;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// <see cref="RawInput"/> over a real loopback TCP connection: no buffer while nothing is unconsumed, leftovers kept
/// in order in front of new bytes, a buffer that fills up with unconsumed bytes grows, and the peer's FIN is seen.
/// </summary>
[TestFixture]
public sealed class RawInputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task NothingSent_WouldBlock_AndNoBufferIsHeld()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            server.Blocking = false;
            var input = new RawInput();

            Assert.That(input.Receive(server), Is.EqualTo(RawReceive.WouldBlock));
            Assert.That(input.Buffered.IsEmpty, Is.True);
        }
    }

    [Test]
    public async Task Leftover_StaysInFrontOfNewBytes_AndAllConsumedFreesTheBuffer()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            server.Blocking = false;
            var input = new RawInput();
            client.Send("abcdef"u8);
            await ReceiveUntilAsync(server, () => input.Receive(server), () => input.Buffered.Length == 6);

            input.Consume(4);
            client.Send("gh"u8);
            await ReceiveUntilAsync(server, () => input.Receive(server), () => input.Buffered.Length == 4);

            Assert.That(input.Buffered.ToArray(), Is.EqualTo("efgh"u8.ToArray()));
            input.Consume(4);
            Assert.That(input.Buffered.IsEmpty, Is.True, "nothing left: the buffer went back to the pool");
        }
    }

    [Test]
    public async Task UnconsumedBytesFillingTheBuffer_ItGrows_AndKeepsEveryByteInOrder()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            server.Blocking = false;
            var input = new RawInput();
            var sent = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
            client.Send(sent);

            // Nothing consumed: every receive appends, past the first buffer's 4 KB.
            await ReceiveUntilAsync(server, () => input.Receive(server), () => input.Buffered.Length == sent.Length);

            Assert.That(input.Buffered.ToArray(), Is.EqualTo(sent));
        }
    }

    [Test]
    public async Task PeerClosed_IsClosed_AfterWhatItSent()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        {
            server.Blocking = false;
            var input = new RawInput();
            client.Send("xy"u8);
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();

            await ReceiveUntilAsync(server, () => input.Receive(server), () => input.Buffered.Length == 2);
            input.Consume(2);
            var last = RawReceive.WouldBlock;
            await ReceiveUntilAsync(server, () => last = input.Receive(server), () => last == RawReceive.Closed);

            Assert.That(last, Is.EqualTo(RawReceive.Closed));
        }
    }

    /// <summary>Receives until <paramref name="done"/> (bounded), waiting for readability (a zero-byte receive) whenever the socket is empty.</summary>
    private static async Task ReceiveUntilAsync(Socket socket, Func<RawReceive> receive, Func<bool> done)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!done())
        {
            timeout.Token.ThrowIfCancellationRequested();
            var received = receive();
            if (received == RawReceive.WouldBlock) await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token);
            else if (received == RawReceive.Closed && !done()) throw new IOException("the connection closed before the bytes expected arrived");
        }
    }
}
