using Microsoft.Playwright;

namespace RetroIm.E2E.Tests;

/// <summary>
/// Launches Debian's Chromium (never a downloaded browser: downloads are blocked here, and the package's bundled
/// driver runs offline). The switches keep it from reaching the network on its own and from fighting over the GPU.
/// </summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly string[] Args =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Args = Args,
            Timeout = 30_000,
        });
    }
}
