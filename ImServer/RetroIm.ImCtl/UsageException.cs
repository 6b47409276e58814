namespace RetroIm.ImCtl;

/// <summary>A command line that parsed but makes no sense; exits with <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);
