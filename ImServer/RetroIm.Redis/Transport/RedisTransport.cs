using System.IO.Pipelines;
using System.Net.Sockets;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Transport;

/// <summary>
/// One open, authenticated TCP connection exposed as a pipe pair. Knows nothing about who sends what: the
/// multiplexed <see cref="RedisConnection"/> and the <see cref="RedisSubscriber"/> each run their own loops on it.
/// </summary>
internal sealed class RedisTransport : IAsyncDisposable
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 16 * 1024, leaveOpen: true);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _disposed;

    private RedisTransport(Socket socket, string endpoint)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Endpoint = endpoint;
        Input = PipeReader.Create(_stream, ReaderOptions);
        Output = PipeWriter.Create(_stream, WriterOptions);
    }

    /// <summary>Replies from Redis. Read by exactly one loop.</summary>
    public PipeReader Input { get; }

    /// <summary>Commands to Redis. Written by one writer at a time.</summary>
    public PipeWriter Output { get; }

    /// <summary><c>host:port</c>, for messages and logs.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Connects and runs the handshake (AUTH, SELECT, CLIENT SETNAME as configured), all within
    /// <see cref="RedisOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="RedisConnectionException">Unreachable, timed out, or the handshake was refused.</exception>
    public static async Task<RedisTransport> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RedisTransport? transport = null;
        try
        {
            EnableKeepAlive(socket);
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            transport = new RedisTransport(socket, options.Endpoint);
            await transport.HandshakeAsync(options, timeout.Token).ConfigureAwait(false);
            return transport;
        }
        catch (Exception ex)
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw ex switch
            {
                RedisConnectionException => ex,
                OperationCanceledException => new RedisConnectionException(
                    $"Connecting to Redis at {options.Endpoint} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms."),
                _ => new RedisConnectionException($"Could not connect to Redis at {options.Endpoint}: {ex.Message}", ex),
            };
        }
    }

    /// <summary>Breaks the connection at once so pending reads and writes fail; safe from any thread, repeatable.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to break.
        }

        _socket.Dispose();
    }

    /// <summary>Aborts the socket and completes both pipes. Call only after the loops using the pipes have ended.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// TCP keep-alive probes after 15 s idle, so a peer that vanished without a FIN is noticed in under a minute
    /// instead of the kernel default of two hours.
    /// </summary>
    private static void EnableKeepAlive(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 15);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 4);
        }
        catch (Exception ex) when (ex is SocketException or PlatformNotSupportedException)
        {
            // Not tunable on this platform: the OS defaults still apply.
        }
    }

    private async Task HandshakeAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var steps = new List<string>(3);
        if (options.Password is not null)
        {
            RespWriter.WriteCommand(Output, "AUTH", options.User is null ? [options.Password] : [options.User, options.Password]);
            steps.Add("AUTH");
        }

        if (options.Database != 0)
        {
            RespWriter.WriteCommand(Output, "SELECT", [options.Database]);
            steps.Add($"SELECT {options.Database}");
        }

        if (!string.IsNullOrEmpty(options.ClientName))
        {
            RespWriter.WriteCommand(Output, "CLIENT SETNAME", [options.ClientName]);
            steps.Add("CLIENT SETNAME");
        }

        if (steps.Count == 0)
        {
            return;
        }

        // Pipelined: one round trip for the whole handshake; each reply is checked in order.
        await Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (var step in steps)
        {
            var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                var error = reply.AsString()!;
                throw new RedisConnectionException($"Redis at {Endpoint} refused {step}: {error}", new RedisServerException(error));
            }
        }
    }

    private async Task<RespValue> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (RespReader.TryRead(buffer, out var reply, out var end))
            {
                Input.AdvanceTo(end);
                return reply;
            }

            Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new RedisConnectionException($"Redis at {Endpoint} closed the connection during the handshake.");
            }
        }
    }
}
