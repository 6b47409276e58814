using System.Net;
using System.Security.Cryptography;

namespace RetroIm.ImServer.Tests.Connect;

/// <summary>Plain HTTP GETs of <c>/ws</c>, with or without WebSocket upgrade headers, to read refusals (status and body).</summary>
internal static class UpgradeRequest
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    /// <param name="wsUrl">A connect URL (<c>ws://host:port/ws?token=…</c>).</param>
    /// <param name="asWebSocket">Send the RFC 6455 upgrade headers (a real handshake attempt) or a plain GET.</param>
    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(string wsUrl, bool asWebSocket)
    {
        var uri = new Uri(wsUrl.Replace("ws://", "http://", StringComparison.Ordinal));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (asWebSocket)
        {
            request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
            request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
            request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        }
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
