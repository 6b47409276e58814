using System.Text.Encodings.Web;
using System.Text.Json;

namespace RetroIm.Relay.Sse;

/// <summary>The JSON the SSE transport adds to the WebSocket protocol: the welcome's <c>sse</c> member and the close event.</summary>
internal static class SseFrames
{
    /// <summary><c>,"sse":{"c":"…","postToken":"…"}</c>, spliced into the welcome.</summary>
    public static string WelcomeExtra(string id, string postToken) =>
        $",\"sse\":{{\"c\":{Quote(id)},\"postToken\":{Quote(postToken)}}}";

    /// <summary><c>{"type":"close","code":4001,"reason":"…"}</c>: what a WebSocket close frame says.</summary>
    public static string Close(int code, string reason) =>
        $"{{\"type\":\"close\",\"code\":{code},\"reason\":{Quote(reason)}}}";

    private static string Quote(string value) => JsonSerializer.Serialize(value, SseJsonContext.Default.String);
}
