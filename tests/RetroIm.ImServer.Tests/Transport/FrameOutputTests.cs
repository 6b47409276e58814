using System.Buffers;
using System.Net;
using System.Net.Sockets;
using RetroIm.Relay.Transport;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// <see cref="FrameOutput"/> over a real loopback TCP connection: a flush the kernel takes at once completes
/// synchronously; one it cannot take (the peer stopped reading) goes on asynchronously with the writer held, and
/// every byte still arrives, in order, once the peer reads again; an abort while stuck tells the caller to drop the
/// transport, and later writes fail.
/// </summary>
[TestFixture]
public sealed class FrameOutputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Test]
    public async Task Flush_KernelTakesItAll_CompletesSynchronouslyWithTheFramedBytes()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new FrameOutput(server);
            Assert.That(output.TryEnter(), Is.True);
            output.WriteText("hello"u8);
            output.WriteText(new byte[300]);
            var flush = output.FlushAsync(CancellationToken.None);
            Assert.That(flush.IsCompletedSuccessfully, Is.True, "a small flush is one non-blocking send");
            Assert.That(output.Unflushed, Is.Zero);
            output.Exit();

            var bytes = await ReadExactlyAsync(client, 2 + 5 + 4 + 300);
            Assert.That(bytes[..7], Is.EqualTo(new byte[] { 0x81, 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }));
            Assert.That(bytes[7..11], Is.EqualTo(new byte[] { 0x81, 126, 300 >> 8, 300 & 0xff }), "16-bit length header");
        }
    }

    [Test]
    public async Task Flush_PeerStopsReading_GoesOnAsynchronouslyAndDeliversEverythingInOrder()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            server.SendBufferSize = 4096;
            client.ReceiveBufferSize = 4096;
            var output = new FrameOutput(server);
            var payload = new byte[60_000];
            var frames = 0;
            ValueTask flush;
            // The peer does not read: sooner or later the kernel's buffers are full and a flush cannot finish at once.
            while (true)
            {
                Assert.That(output.TryEnter(), Is.True, "the writer is free between completed flushes");
                for (var i = 0; i < payload.Length; i++) payload[i] = (byte)('a' + frames % 26);
                output.WriteText(payload);
                frames++;
                flush = output.FlushAsync(CancellationToken.None);
                if (!flush.IsCompleted) break;
                await flush;
                output.Exit();
                Assert.That(frames, Is.LessThan(1000), "the kernel never pushed back");
            }
            Assert.That(output.TryEnter(), Is.False, "the writer stays taken while the rest goes out");

            var frameLength = 4 + payload.Length; // 16-bit length header
            var reading = ReadExactlyAsync(client, frames * frameLength);
            await flush.AsTask().WaitAsync(Bound);
            output.Exit();
            var bytes = await reading.WaitAsync(Bound);
            for (var f = 0; f < frames; f++)
            {
                var frame = bytes.AsSpan(f * frameLength, frameLength);
                Assert.That(frame[0], Is.EqualTo(0x81));
                Assert.That(frame[1], Is.EqualTo(126), "16-bit length header");
                Assert.That(frame[4], Is.EqualTo((byte)('a' + f % 26)), $"frame {f} in order");
                Assert.That(frame[^1], Is.EqualTo((byte)('a' + f % 26)), $"frame {f} whole");
            }
        }
    }

    [Test]
    public async Task Abort_WhileAFlushIsStuck_SaysDropTheTransport_AndLaterWritesFail()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (client)
        {
            server.SendBufferSize = 4096;
            client.ReceiveBufferSize = 4096;
            var output = new FrameOutput(server);
            ValueTask flush;
            do
            {
                Assert.That(output.TryEnter(), Is.True);
                output.WriteText(new byte[60_000]);
                flush = output.FlushAsync(CancellationToken.None);
                if (flush.IsCompleted)
                {
                    await flush;
                    output.Exit();
                }
            }
            while (flush.IsCompleted);

            Assert.That(output.Abort(), Is.False, "a flush holds the writer: the caller must drop the transport");
            server.Dispose(); // what dropping the transport does
            Assert.That(async () => await flush.AsTask().WaitAsync(Bound), Throws.InstanceOf<IOException>());
            output.Exit();
            Assert.That(output.TryPing(), Is.False, "nothing is written after an abort");
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Bound);
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0) throw new IOException($"closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }
}
