using System.Runtime.CompilerServices;
using RetroIm.Testing;

namespace RetroIm.E2E.Tests;

/// <summary>Screenshots of the boards: attached to the test result, and the latest pair copied to artifacts/screenshots.</summary>
internal static class BoardScreenshots
{
    /// <summary>Saves <c>board-{label}.png</c> of every open page under the test's work folder and attaches it.</summary>
    public static async Task<IReadOnlyList<string>> AttachAsync(IEnumerable<RetroPage> pages)
    {
        var test = TestContext.CurrentContext.Test;
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots", test.MethodName ?? test.Name);
        var saved = new List<string>();
        foreach (var page in pages)
        {
            if (page.IsClosed) continue;
            var path = Path.Combine(folder, $"board-{page.Label}.png");
            await page.ScreenshotAsync(path);
            TestContext.AddTestAttachment(path, $"{page.Label}'s board");
            saved.Add(path);
        }
        return saved;
    }

    /// <summary>Copies the given screenshots to <c>artifacts/screenshots/</c> at the repository root, for people to look at.</summary>
    public static IReadOnlyList<string> CopyToRepository(IEnumerable<string> screenshots, [CallerFilePath] string sourceFile = "")
    {
        var root = BuiltProgram.FindRepositoryRoot()
            ?? BuiltProgram.FindRepositoryRoot(Environment.CurrentDirectory)
            ?? BuiltProgram.FindRepositoryRoot(Path.GetDirectoryName(sourceFile))
            ?? throw new InvalidOperationException("Cannot find the repository root (RetroIm.sln) to copy the screenshots to.");
        var folder = Path.Combine(root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var copies = new List<string>();
        foreach (var screenshot in screenshots)
        {
            var copy = Path.Combine(folder, Path.GetFileName(screenshot));
            File.Copy(screenshot, copy, overwrite: true);
            copies.Add(copy);
        }
        return copies;
    }
}
