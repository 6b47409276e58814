using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Failure;

/// <summary>Runs the built imctl and returns its exit code and stdout (its whole output goes to the test log).</summary>
internal static class ImCtlRunner
{
    public static async Task<(int ExitCode, string Stdout)> RunAsync(params string[] args)
    {
        await using var process = ChildProcess.StartDotnet(BuiltProgram.ImCtlDll, args, keepStandardOutput: true);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await TestContext.Out.WriteLineAsync(process.Log.All());
        return (code, process.StandardOutput);
    }
}
