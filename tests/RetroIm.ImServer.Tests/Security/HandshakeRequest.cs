using System.Net;
using System.Security.Cryptography;

namespace RetroIm.ImServer.Tests.Security;

/// <summary>A WebSocket upgrade attempt as plain HTTP, to read a refusal's status, headers and body.</summary>
internal static class HandshakeRequest
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<(HttpStatusCode Status, string Body, string? RetryAfter)> SendAsync(string wsUrl, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(wsUrl.Replace("ws://", "http://", StringComparison.Ordinal)));
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
        using var response = await Http.SendAsync(request);
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), retryAfter);
    }
}
