using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Recovery;

/// <summary>
/// A loopback WebSocket endpoint whose frames the test writes by hand, for client rules a real node cannot be made to
/// exercise on demand (e.g. a <c>recovered</c> frame behind what the client already saw, as happens during a drain
/// move when the old socket delivers past the new one's replay).
/// </summary>
internal sealed class ScriptedRelay : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<(Uri Url, WebSocket Socket)> _accepted = Channel.CreateUnbounded<(Uri, WebSocket)>();
    private readonly Task _accepting;

    private ScriptedRelay(int port)
    {
        Url = new Uri($"ws://127.0.0.1:{port}/ws");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    public static ScriptedRelay Start() => new(TestPorts.GetFreePort());

    /// <summary>The next accepted connection and the URL the client asked for (with its <c>recover=</c>).</summary>
    public async Task<(Uri Url, WebSocket Socket)> NextConnectionAsync(TimeSpan timeout)
        => await _accepted.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    public static Task SendAsync(WebSocket socket, string json)
        => socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop this way.
        }
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            if (!context.Request.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                context.Response.Close();
                continue;
            }
            var accepted = await context.AcceptWebSocketAsync(subProtocol: null);
            _accepted.Writer.TryWrite((context.Request.Url!, accepted.WebSocket));
        }
    }
}
