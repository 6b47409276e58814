using System.Net;

namespace RetroIm.Testing;

/// <summary>The server refused the WebSocket upgrade (or nothing answered).</summary>
public sealed class TestWebSocketConnectException : Exception
{
    public TestWebSocketConnectException(string url, HttpStatusCode statusCode, Exception inner)
        : base($"Connecting to {Redact(url)} failed with HTTP {(int)statusCode}: {inner.Message}", inner)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the refusal; 0 when no HTTP response arrived.</summary>
    public HttpStatusCode StatusCode { get; }

    private static string Redact(string url)
    {
        var i = url.IndexOf("token=", StringComparison.Ordinal);
        return i < 0 ? url : url[..(i + 6)] + "…";
    }
}
