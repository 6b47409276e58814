using RetroIm.Testing;

namespace RetroIm.WebApi.Tests.Push;

/// <summary>Reads retro events (the <c>data</c> of relay message frames) from a participant's socket.</summary>
internal static class RetroEvents
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<TestWebSocketClient> ConnectAsync(Participant who)
    {
        Assert.That(who.ConnectUrl, Is.Not.Null, "join should issue a connect URL");
        var socket = await TestWebSocketClient.ConnectAsync(who.ConnectUrl!);
        await socket.ExpectWelcomeAsync(Timeout);
        return socket;
    }

    /// <summary>The next retro event that matches, skipping others (e.g. presence while waiting for changes).</summary>
    public static async Task<JsonElement> NextAsync(TestWebSocketClient socket, Func<JsonElement, bool> match)
    {
        var (frame, _) = await socket.ReceiveUntilAsync(f => f.Type == "message" && match(f.MessageData), Timeout);
        return frame.MessageData;
    }

    /// <summary>The next event that carries a version (a stored change).</summary>
    public static Task<JsonElement> NextChangeAsync(TestWebSocketClient socket) =>
        NextAsync(socket, e => e.GetProperty("version").ValueKind == JsonValueKind.Number);

    public static Task<JsonElement> NextOfTypeAsync(TestWebSocketClient socket, string type, string? participantId = null) =>
        NextAsync(socket, e => e.Str("type") == type
            && (participantId is null || e.GetProperty("participant").Str("id") == participantId));
}
