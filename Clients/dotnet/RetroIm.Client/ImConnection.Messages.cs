using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace RetroIm.Client;

public sealed partial class ImConnection
{
    private static readonly byte[] PingFrame = """{"type":"ping"}"""u8.ToArray();

    private readonly SemaphoreSlim _sendLock = new(1, 1); // one write at a time per socket
    private readonly Dictionary<string, Action<ImEnvelope>[]> _handlers = new(StringComparer.Ordinal);
    private readonly List<Channel<ImEnvelope>> _readers = [];
    private bool _readersCompleted;

    /// <summary>
    /// Calls <paramref name="handler"/> for every frame of <paramref name="type"/> (<c>"message"</c>, <c>"welcome"</c>
    /// after each (re)connect, <c>"error"</c>, <c>"pong"</c>). Handlers run one at a time on the receive loop, so keep
    /// them short; one that throws is reported through <see cref="Error"/>. Dispose the result to remove the handler.
    /// </summary>
    public IDisposable On(string type, Action<ImEnvelope> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            // Copy-on-write: the receive loop reads the array without the lock.
            _handlers[type] = _handlers.TryGetValue(type, out var existing) ? [.. existing, handler] : [handler];
        }
        return new Registration(this, type, handler);
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the business payload of every <c>message</c> frame, deserialised as
    /// <typeparamref name="T"/> (with <see cref="ImConnectionOptions.JsonSerializerOptions"/>), and the envelope for its
    /// id, sender, channel and position. <paramref name="chan"/> limits it to one channel's messages (null: all; use
    /// <c>""</c> for direct messages only). A payload that does not deserialise is reported through <see cref="Error"/>
    /// and skipped; the connection keeps going. Dispose the result to remove the handler.
    /// </summary>
    public IDisposable OnMessage<T>(Action<T, ImEnvelope> handler, string? chan = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On("message", envelope =>
        {
            if (chan is not null && !string.Equals(envelope.Chan ?? "", chan, StringComparison.Ordinal)) return;
            T? data;
            try
            {
                data = envelope.DataAs<T>();
            }
            catch (JsonException e)
            {
                throw new JsonException($"Message {envelope.Id} does not deserialise as {typeof(T).Name}: {e.Message}", e);
            }
            handler(data!, envelope);
        });
    }

    /// <summary>
    /// Reads every frame except pongs, in order, from now until the connection is closed for good (then the
    /// enumeration ends) or <paramref name="cancellationToken"/> is cancelled. Frames wait in memory until read.
    /// </summary>
    public async IAsyncEnumerable<ImEnvelope> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = Channel.CreateUnbounded<ImEnvelope>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_gate)
        {
            if (_readersCompleted) yield break;
            _readers.Add(reader);
        }
        try
        {
            await foreach (var envelope in reader.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return envelope;
        }
        finally
        {
            lock (_gate) _readers.Remove(reader);
        }
    }

    /// <summary>
    /// Sends a frame to the relay, e.g. <c>new { type = "ping" }</c>. Objects are serialised with
    /// <see cref="ImConnectionOptions.JsonSerializerOptions"/>; a <see cref="string"/>, <c>byte[]</c> or
    /// <see cref="JsonElement"/> is sent as the JSON it already is. Sends are serialised one at a time.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not <see cref="ImConnectionState.Open"/>.</exception>
    public async Task SendAsync(object frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var bytes = frame switch
        {
            byte[] raw => raw,
            ReadOnlyMemory<byte> raw => raw.ToArray(),
            string text => Encoding.UTF8.GetBytes(text),
            JsonElement element => Encoding.UTF8.GetBytes(element.GetRawText()),
            _ => JsonSerializer.SerializeToUtf8Bytes(frame, frame.GetType(), _options.JsonSerializerOptions),
        };
        ClientWebSocket? socket;
        lock (_gate) socket = _state == ImConnectionState.Open ? _socket : null;
        if (socket is null) throw new InvalidOperationException($"The connection is {State}, not Open; wait for StateChanged(Open) before sending.");
        await SendRawAsync(socket, bytes, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendRawAsync(ClientWebSocket socket, byte[] frame, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Dispatch(ImEnvelope envelope)
    {
        Action<ImEnvelope>[]? handlers;
        lock (_gate)
        {
            if (envelope.Type != "pong")
            {
                foreach (var reader in _readers) reader.Writer.TryWrite(envelope);
            }
            _handlers.TryGetValue(envelope.Type, out handlers);
        }
        if (handlers is null) return;
        foreach (var handler in handlers)
        {
            try
            {
                handler(envelope);
            }
            catch (Exception e)
            {
                RaiseError(e);
            }
        }
    }

    private void CompleteReaders()
    {
        lock (_gate)
        {
            _readersCompleted = true;
            foreach (var reader in _readers) reader.Writer.TryComplete();
        }
    }

    private void RemoveHandler(string type, Action<ImEnvelope> handler)
    {
        lock (_gate)
        {
            if (!_handlers.TryGetValue(type, out var existing)) return;
            var index = Array.IndexOf(existing, handler);
            if (index < 0) return;
            Action<ImEnvelope>[] remaining = [.. existing[..index], .. existing[(index + 1)..]];
            if (remaining.Length == 0) _handlers.Remove(type);
            else _handlers[type] = remaining;
        }
    }

    private sealed class Registration(ImConnection connection, string type, Action<ImEnvelope> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) connection.RemoveHandler(type, handler);
        }
    }
}
