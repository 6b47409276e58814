using System.Collections.Concurrent;
using System.Diagnostics;

namespace RetroIm.Testing;

/// <summary>
/// A <c>dotnet &lt;dll&gt;</c> child process whose output goes to an <see cref="OutputLog"/>. Every child is killed when
/// disposed and, as a last resort, when the test process exits, so no test leaves a process behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stdout = new();

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Values) TryKill(process);
        };
    }

    private ChildProcess(Process process, OutputLog log)
    {
        _process = process;
        Log = log;
    }

    public OutputLog Log { get; }

    public int Id => _process.Id;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Completes with the exit code when the process has exited and its output has been read.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Everything written to stdout, when started with <c>keepStandardOutput</c> (short-lived tools).</summary>
    public string StandardOutput
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    /// <param name="dll">The program.</param>
    /// <param name="args">Its command line.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="keepStandardOutput">Keep all of stdout in <see cref="StandardOutput"/> (not only the log's tail).</param>
    public static ChildProcess StartDotnet(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool keepStandardOutput = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment) info.Environment[key] = value;
        }

        var log = new OutputLog();
        log.Add("[cmd]", "dotnet " + string.Join(' ', info.ArgumentList));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, log);
        var outputDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errorDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                outputDone.TrySetResult();
                return;
            }
            log.Add("[out]", e.Data);
            if (keepStandardOutput)
            {
                lock (child._stdout) child._stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) errorDone.TrySetResult(); else log.Add("[err]", e.Data); };
        process.Exited += (_, _) => _ = child.OnExitedAsync(outputDone.Task, errorDone.Task);
        process.Start();
        Live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private async Task OnExitedAsync(Task outputDone, Task errorDone)
    {
        // The exit can be observed before the last lines are read; give the pipes a moment to drain.
        await Task.WhenAny(Task.WhenAll(outputDone, errorDone), Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        int code;
        try { code = _process.ExitCode; } catch (InvalidOperationException) { code = -1; }
        Log.Add("[exit]", $"exit code {code}");
        Live.TryRemove(_process.Id, out _);
        _exited.TrySetResult(code);
    }

    /// <summary>Sends a POSIX signal (SIGTERM for a graceful stop); false when the process is gone.</summary>
    public bool Signal(int signal) => !HasExited && UnixSignal.Send(_process.Id, signal);

    /// <summary>kill -9 semantics: the process and its children die at once, with no chance to clean up.</summary>
    public void Kill() => TryKill(_process);

    /// <summary>Waits for the exit; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            return await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Process {Id} did not exit within {timeout.TotalSeconds:0.#} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Kill();
            try { await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
            catch (TimeoutException) { /* reported by the leak check of the next run; nothing more to do here */ }
        }
        _process.Dispose();
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting right now.
        }
    }
}
