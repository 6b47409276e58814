namespace RetroIm.ImCtl;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran and failed: Redis unreachable, no live node, a timeout.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong: unknown command, missing argument, invalid JSON or client id.</summary>
    public const int Usage = 2;
}
