namespace RetroIm.Im.Protocol;

/// <summary>Values of <c>code</c> in <c>{"type":"error","code":"…","message":"…"}</c> frames.</summary>
public static class ImErrorCodes
{
    /// <summary>The frame was not a JSON object with a string <c>type</c>.</summary>
    public const string BadJson = "bad_json";

    /// <summary>The frame's <c>type</c> is not one the relay knows.</summary>
    public const string UnknownType = "unknown_type";

    /// <summary>The connection lacks the right an <c>event</c>, <c>join</c>, <c>leave</c> or <c>publish</c> frame needs; the connection stays open.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>An <c>event</c>, <c>join</c>, <c>leave</c> or <c>publish</c> frame is missing a field or has a wrong one.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>A <c>join</c> frame would take the client past the node's channels-per-client limit; nothing changed, the connection stays open.</summary>
    public const string ChannelLimit = "channel_limit";

    /// <summary>The node could not reach the backplane to carry out the frame; send it again later.</summary>
    public const string Unavailable = "unavailable";
}
