using System.Diagnostics;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>The orchestrator's handle on one <see cref="LoadGen"/> child: write a command line, read its JSON answer.</summary>
internal sealed class LoadGenProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LoadGenProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static LoadGenProcess Start(string redis, string idPrefix, int first, int count, int concurrency)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { typeof(LoadGen).Assembly.Location, "loadgen", "--redis", redis, "--prefix", idPrefix,
                     "--first", first.ToString(), "--count", count.ToString(), "--concurrency", concurrency.ToString() })
            info.ArgumentList.Add(a);
        info.Environment["DOTNET_gcServer"] = "0";
        return new LoadGenProcess(Process.Start(info)!);
    }

    /// <summary>Reads the next JSON line the child prints (bounded).</summary>
    public async Task<JsonElement> ReadAsync(TimeSpan timeout)
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout)
            ?? throw new InvalidOperationException($"load generator {Id} exited");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public async Task<JsonElement> AskAsync(string command, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("exit");
            await _process.StandardInput.FlushAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Whatever went wrong, make sure it is gone.
        }
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
