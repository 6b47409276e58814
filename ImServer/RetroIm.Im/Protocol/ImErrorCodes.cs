namespace RetroIm.Im.Protocol;

/// <summary>Values of <c>code</c> in <c>{"type":"error","code":"…","message":"…"}</c> frames.</summary>
public static class ImErrorCodes
{
    /// <summary>The frame was not a JSON object with a string <c>type</c>.</summary>
    public const string BadJson = "bad_json";

    /// <summary>The frame's <c>type</c> is not one the relay knows.</summary>
    public const string UnknownType = "unknown_type";
}
