using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace RetroIm.ImServer.Tests.Sse;

/// <summary>
/// A raw client of the SSE fallback transport: <c>GET /sse</c> read line by line into JSON frames (the close event
/// included, as its <c>{"type":"close"}</c> payload), and <c>POST /sse/send</c> with the welcome's post token.
/// </summary>
internal sealed class SseTestClient : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private Task _reading = Task.CompletedTask;

    private SseTestClient(Uri streamUrl) => StreamUrl = streamUrl;

    public Uri StreamUrl { get; }

    public JsonElement Welcome { get; private set; }

    public string StreamId => Welcome.GetProperty("sse").GetProperty("c").GetString()!;

    public string PostToken => Welcome.GetProperty("sse").GetProperty("postToken").GetString()!;

    /// <summary>http(s)://host:port/sse?token=… for a ws(s)://host:port/ws?token=… connect URL.</summary>
    public static Uri ToSseUrl(string connectUrl)
    {
        var builder = new UriBuilder(connectUrl);
        builder.Scheme = builder.Scheme == "wss" ? "https" : "http";
        builder.Path = builder.Path[..^"/ws".Length] + "/sse";
        return builder.Uri;
    }

    /// <summary>Opens the stream; the status when refused (the response body in <paramref name="refusal"/>), else reads the welcome.</summary>
    public static async Task<(SseTestClient? Client, HttpStatusCode Status, string Refusal)> TryOpenAsync(string connectUrl, TimeSpan timeout)
    {
        var client = new SseTestClient(ToSseUrl(connectUrl));
        using var request = new HttpRequestMessage(HttpMethod.Get, client.StreamUrl);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await client._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(timeout);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            await client.DisposeAsync();
            return (null, response.StatusCode, body);
        }
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        client._reading = client.ReadAsync(response);
        client.Welcome = await client.NextAsync(timeout);
        Assert.That(client.Welcome.GetProperty("type").GetString(), Is.EqualTo("welcome"));
        return (client, response.StatusCode, "");
    }

    public static async Task<SseTestClient> OpenAsync(string connectUrl, TimeSpan timeout)
    {
        var (client, status, refusal) = await TryOpenAsync(connectUrl, timeout);
        return client ?? throw new InvalidOperationException($"/sse refused: {(int)status} {refusal}");
    }

    /// <summary>Posts one frame to <paramref name="node"/> (default: the stream's node) with <paramref name="token"/> (default: the right one).</summary>
    public async Task<HttpResponseMessage> PostAsync(string frame, string? token = null, Uri? node = null)
    {
        var baseUri = node ?? new Uri(StreamUrl.GetLeftPart(UriPartial.Authority));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/sse/send?c=" + Uri.EscapeDataString(StreamId)))
        {
            Content = new StringContent(frame, Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? PostToken);
        return await _http.SendAsync(request);
    }

    public async Task<JsonElement> NextAsync(TimeSpan timeout) => await _frames.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>Reads frames until one matches; returns it.</summary>
    public async Task<JsonElement> ReceiveUntilAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        using var bound = new CancellationTokenSource(timeout);
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(bound.Token);
            if (match(frame)) return frame;
        }
    }

    public static bool IsType(JsonElement frame, string type) => frame.GetProperty("type").GetString() == type;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or TimeoutException)
        {
            // Stopped.
        }
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        try
        {
            using var _ = response;
            await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                using var doc = JsonDocument.Parse(line["data: ".Length..]);
                _frames.Writer.TryWrite(doc.RootElement.Clone());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // Disposed, or the node went away.
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
