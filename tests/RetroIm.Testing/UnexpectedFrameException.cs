namespace RetroIm.Testing;

/// <summary>A frame arrived that the test did not expect at this point.</summary>
public sealed class UnexpectedFrameException : Exception
{
    public UnexpectedFrameException(string message)
        : base(message)
    {
    }
}
