namespace RetroIm.Testing;

/// <summary>
/// Finds the build output of a program the tests run as a child process (<c>dotnet &lt;dll&gt;</c>), in this order:
/// the environment variable (test.sh sets it); the test's own output folder when the SDK copied the referenced
/// program there with its .runtimeconfig.json and .deps.json; the sibling folder of an <c>--artifacts-path</c> build
/// (<c>&lt;artifacts&gt;/bin/&lt;Project&gt;/&lt;config&gt;/</c>); the in-tree <c>bin/&lt;Configuration&gt;/net10.0/</c> found by
/// walking up to RetroIm.sln.
/// </summary>
public static class BuiltProgram
{
    /// <summary>The relay host.</summary>
    public static string ImServerDll => Find("RETROIM_IMSERVER_DLL", "ImServer/RetroIm.ImServer", "RetroIm.ImServer");

    /// <summary>The ops command-line tool.</summary>
    public static string ImCtlDll => Find("RETROIM_IMCTL_DLL", "ImServer/RetroIm.ImCtl", "imctl");

    /// <param name="envVar">Overrides everything when set.</param>
    /// <param name="projectDir">The project folder relative to the repository root.</param>
    /// <param name="assemblyName">The program's assembly name (file name without .dll).</param>
    public static string Find(string envVar, string projectDir, string assemblyName)
    {
        var fromEnv = Environment.GetEnvironmentVariable(envVar);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (IsRunnable(fromEnv)) return Path.GetFullPath(fromEnv);
            throw new FileNotFoundException($"{envVar}={fromEnv} is not a runnable program (the .dll with its .runtimeconfig.json and .deps.json).");
        }

        var tried = new List<string>();
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        foreach (var candidate in Candidates(baseDir, projectDir, assemblyName))
        {
            tried.Add(candidate);
            if (IsRunnable(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"Cannot find {assemblyName}.dll: build it (the test project references it) or set {envVar}. Tried:{Environment.NewLine}  "
            + string.Join(Environment.NewLine + "  ", tried));
    }

    private static IEnumerable<string> Candidates(string baseDir, string projectDir, string assemblyName)
    {
        var file = assemblyName + ".dll";
        yield return Path.Combine(baseDir, file);

        // --artifacts-path layout: <artifacts>/bin/<TestProject>/<config>[_rid]/ next to <artifacts>/bin/<Project>/<config>/.
        var configDir = Path.GetFileName(baseDir);
        var projectsDir = Path.GetDirectoryName(Path.GetDirectoryName(baseDir));
        var projectName = Path.GetFileName(projectDir);
        if (projectsDir is not null) yield return Path.Combine(projectsDir, projectName, configDir, file);

        // In-tree layout: <root>/<projectDir>/bin/<Configuration>/net10.0/.
        var root = FindRepositoryRoot(baseDir);
        if (root is null) yield break;
        var configuration = ConfigurationOf(baseDir);
        foreach (var config in new[] { configuration, "Debug", "Release" }.Where(c => c is not null).Distinct())
        {
            yield return Path.Combine(root, projectDir, "bin", config!, "net10.0", file);
        }
    }

    /// <summary>The folder holding RetroIm.sln above <paramref name="start"/>, or null.</summary>
    public static string? FindRepositoryRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RetroIm.sln"))) return dir.FullName;
        }
        return null;
    }

    private static string? ConfigurationOf(string baseDir)
    {
        // <project>/bin/<Configuration>/<tfm>
        var parent = Path.GetDirectoryName(baseDir);
        return parent is null ? null : Path.GetFileName(parent);
    }

    private static bool IsRunnable(string dll)
    {
        return File.Exists(dll)
            && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"))
            && File.Exists(Path.ChangeExtension(dll, ".deps.json"));
    }
}
