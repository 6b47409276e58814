using System.Buffers;
using System.Net;
using System.Net.Sockets;
using RetroIm.Relay.Transport;

namespace RetroIm.ImServer.Tests.Transport;

/// <summary>
/// <see cref="FrameOutput"/> over a real loopback TCP connection: a flush the kernel takes at once completes
/// synchronously; one it cannot take (the peer stopped reading) goes on asynchronously with the writer held, and
/// every byte still arrives, in order, once the peer reads again; an abort while stuck tells the caller to drop the
/// transport, and later writes fail. <see cref="FrameOutput.TrySendText"/>: sent at once when it can, and otherwise
/// what the kernel left is buffered for the flush, whole and in order.
/// </summary>
[TestFixture]
public sealed class FrameOutputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [TestCase(false, TestName = "Flush_KernelTakesItAll_CompletesSynchronouslyWithTheFramedBytes")]
    [TestCase(true, TestName = "TrySendText_KernelTakesItAll_SendsEachFrameAtOnceAndBuffersNothing")]
    public async Task KernelTakesItAll_TheFramedBytesGoOutAtOnce(bool trySend)
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new FrameOutput(server);
            Assert.That(output.TryEnter(), Is.True);
            if (trySend)
            {
                Assert.That(output.TrySendText("hello"u8), Is.True, "an idle socket takes a small frame at once");
                Assert.That(output.TrySendText(new byte[300]), Is.True);
            }
            else
            {
                output.WriteText("hello"u8);
                output.WriteText(new byte[300]);
                var flush = output.FlushAsync(CancellationToken.None);
                Assert.That(flush.IsCompletedSuccessfully, Is.True, "a small flush is one non-blocking send");
            }
            Assert.That(output.Unflushed, Is.Zero, "nothing is left buffered");
            output.Exit();
            await AssertHelloAnd300ZerosAsync(client);
        }
    }

    [Test]
    public async Task WatchWrites_SetsTheKernelsUserTimeoutAndLastWrittenFollowsTheFramesNotThePings()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new FrameOutput(server);
            Assert.That(output.TryEnter(), Is.True);
            output.Exit();
            var unwatched = output.LastWritten(1000);
            var watched = output.WatchWrites(TimeSpan.FromSeconds(30));
            var timeout = new byte[4];
            server.GetRawSocketOption(6, 18, timeout); // IPPROTO_TCP, TCP_USER_TIMEOUT

            var sinceWatched = output.LastWritten(2000); // the frame written before counts
            var nothingNew = output.LastWritten(3000);
            Assert.That(output.TryPing(), Is.True);
            var afterPing = output.LastWritten(4000);
            Assert.That(output.TryEnter(), Is.True);
            output.WriteText("hello"u8);
            await output.FlushAsync(CancellationToken.None);
            output.Exit();
            var afterFrame = output.LastWritten(5000);

            Assert.Multiple(() =>
            {
                Assert.That(unwatched, Is.Zero, "unwatched writes never excuse a PING");
                Assert.That(watched, Is.True, "Linux has TCP_USER_TIMEOUT");
                Assert.That(BitConverter.ToUInt32(timeout), Is.EqualTo(30_000));
                Assert.That(sinceWatched, Is.EqualTo(2000));
                Assert.That(nothingNew, Is.EqualTo(2000), "no write since the last call: its time stays");
                Assert.That(afterPing, Is.EqualTo(2000), "a PING is not a write that makes the next one unnecessary");
                Assert.That(afterFrame, Is.EqualTo(5000));
            });
        }
    }

    [Test]
    public async Task Flush_PeerStopsReading_GoesOnAsynchronouslyAndDeliversEverythingInOrder()
    {
        var (server, client) = await SmallBufferPairAsync();
        using (server)
        using (client)
        {
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

    [Test]
    public async Task TrySendText_PeerStopsReading_BuffersWhatTheKernelLeft_AndTheFlushDeliversEverythingInOrder()
    {
        var (server, client) = await SmallBufferPairAsync();
        using (server)
        using (client)
        {
            var output = new FrameOutput(server);
            // Odd-sized frames, so the kernel's last partial take is very likely to split one in the middle.
            var payload = new byte[7_001];
            var frames = 0;
            Assert.That(output.TryEnter(), Is.True);
            while (true)
            {
                for (var i = 0; i < payload.Length; i++) payload[i] = (byte)('a' + frames % 26);
                frames++;
                if (!output.TrySendText(payload)) break;
                Assert.That(frames, Is.LessThan(10_000), "the kernel never pushed back");
            }
            Assert.That(output.Unflushed, Is.InRange(1, 4 + payload.Length), "the part of the last frame the kernel did not take");
            var flush = output.FlushAsync(CancellationToken.None);

            var frameLength = 4 + payload.Length;
            var bytes = await ReadExactlyAsync(client, frames * frameLength);
            await flush.AsTask().WaitAsync(Bound);
            output.Exit();
            for (var f = 0; f < frames; f++)
            {
                var frame = bytes.AsSpan(f * frameLength, frameLength);
                Assert.That(frame[0], Is.EqualTo(0x81), $"frame {f} starts where the last one ended");
                Assert.That(frame[2..4].ToArray(), Is.EqualTo(new byte[] { 7_001 >> 8, 7_001 & 0xff }));
                Assert.That(frame[4], Is.EqualTo((byte)('a' + f % 26)), $"frame {f} in order");
                Assert.That(frame[^1], Is.EqualTo((byte)('a' + f % 26)), $"frame {f} whole");
            }
        }
    }

    [Test]
    public async Task TrySendText_BehindBufferedBytes_WaitsForTheFlush_AndKeepsTheOrder()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new FrameOutput(server);
            Assert.That(output.TryEnter(), Is.True);
            output.WriteText("first"u8);
            Assert.That(output.TrySendText("second"u8), Is.False, "bytes are waiting: it must not overtake them");
            Assert.That(output.Unflushed, Is.EqualTo(2 + 5 + 2 + 6));
            await output.FlushAsync(CancellationToken.None);
            output.Exit();
            var bytes = await ReadExactlyAsync(client, 2 + 5 + 2 + 6);
            Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 2, 5) + System.Text.Encoding.ASCII.GetString(bytes, 9, 6), Is.EqualTo("firstsecond"));
        }
    }

    [Test]
    public async Task TrySendText_OnAClosedSocket_BuffersTheFrame_AndTheFlushReportsTheFailure()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        using (client)
        {
            var output = new FrameOutput(server);
            server.Dispose();
            Assert.That(output.TryEnter(), Is.True);
            Assert.That(output.TrySendText("lost"u8), Is.False, "nothing can be sent");
            Assert.That(() => output.FlushAsync(CancellationToken.None).AsTask(), Throws.InstanceOf<IOException>());
            output.Exit();
        }
    }

    /// <summary>A loopback pair whose kernel buffers are small, so a peer that does not read soon pushes back.</summary>
    private static async Task<(Socket Server, Socket Client)> SmallBufferPairAsync()
    {
        var (server, client) = await LoopbackSockets.ConnectedPairAsync();
        server.SendBufferSize = 4096;
        client.ReceiveBufferSize = 4096;
        return (server, client);
    }

    /// <summary>The peer reads a "hello" frame (7-bit length) and a 300-byte frame (16-bit length), exactly.</summary>
    private static async Task AssertHelloAnd300ZerosAsync(Socket client)
    {
        var bytes = await ReadExactlyAsync(client, 2 + 5 + 4 + 300);
        Assert.That(bytes[..7], Is.EqualTo(new byte[] { 0x81, 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }));
        Assert.That(bytes[7..11], Is.EqualTo(new byte[] { 0x81, 126, 300 >> 8, 300 & 0xff }), "16-bit length header");
        Assert.That(bytes[11..].All(b => b == 0), Is.True, "the payload whole");
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
