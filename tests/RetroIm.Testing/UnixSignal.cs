using System.Runtime.InteropServices;

namespace RetroIm.Testing;

/// <summary>Sends POSIX signals to child processes (SIGTERM for graceful shutdown tests).</summary>
public static class UnixSignal
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone.</summary>
    public static bool Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("POSIX signals need Linux or macOS.");
        }
        return NativeMethods.kill(pid, signal) == 0;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for one int-only call.
        internal static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
    }
}
