namespace RetroIm.WebApi.Typing;

/// <summary>The names of the typing indicator, on the way in (a client event) and out (a retro push).</summary>
internal static class TypingEvents
{
    /// <summary>The client event the page sends while the add-topic title has focus and text (<c>event.typing</c>).</summary>
    public const string ClientEvent = "typing";

    /// <summary>The only right connect URLs of this app grant.</summary>
    public const string Right = "event." + ClientEvent;

    /// <summary>The push on the retro channel; like presence it changes nothing stored and carries <c>"version": null</c>.</summary>
    public const string Push = "participant.typing";

    /// <summary>A typing event older than this is dropped: the indicator it would show has expired on every page.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
}
