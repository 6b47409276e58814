namespace RetroIm.Bench;

/// <summary>What a received frame meant to the load generator.</summary>
internal enum FrameKind
{
    Other,
    Message,
    Recovered,
    RecoverFailed,
}
