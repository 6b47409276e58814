using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace RetroIm.Bench;

/// <summary>
/// A server child speaking one JSON object per stdout line: the Socket.IO peer's <c>node</c> processes (servers and
/// publisher) and the floor's nodes (<see cref="FloorNode"/>, this program in another mode).
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Queue<string> _stderr = new();

    private NodeProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>The child's <c>{"event":"ready",…}</c> line (a floor node tells its port there).</summary>
    public JsonElement Ready { get; private set; }

    /// <summary>Starts <c>node script args</c> and waits (bounded) for its <c>{"event":"ready"}</c> line.</summary>
    public static Task<NodeProcess> StartAsync(string script, IEnumerable<string> args, TimeSpan timeout) => StartAsync(script, [], args, timeout);

    /// <summary>Starts <c>node nodeOptions script args</c> and waits (bounded) for its <c>{"event":"ready"}</c> line.</summary>
    public static async Task<NodeProcess> StartAsync(string script, IEnumerable<string> nodeOptions, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = Redirected("node");
        info.WorkingDirectory = Path.GetDirectoryName(script)!;
        foreach (var o in nodeOptions) info.ArgumentList.Add(o);
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        return await StartAsync(info, timeout);
    }

    /// <summary>Starts this program as <c>RetroIm.Bench mode args</c> and waits (bounded) for its <c>{"event":"ready"}</c> line.</summary>
    public static Task<NodeProcess> StartBenchAsync(string mode, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = Redirected("dotnet");
        info.ArgumentList.Add(typeof(NodeProcess).Assembly.Location);
        info.ArgumentList.Add(mode);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return StartAsync(info, timeout);
    }

    private static ProcessStartInfo Redirected(string program) => new(program)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };

    private static async Task<NodeProcess> StartAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        var process = new Process { StartInfo = info };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) node._lines.Writer.TryComplete();
            else node._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (node._stderr)
            {
                node._stderr.Enqueue(e.Data);
                if (node._stderr.Count > 20) node._stderr.Dequeue();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await node.ReadAsync(timeout);
            if (ready.GetProperty("event").GetString() != "ready") throw new InvalidOperationException("unexpected first line " + ready);
            node.Ready = ready;
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> ReadAsync(TimeSpan timeout)
    {
        try
        {
            var line = await _lines.Reader.ReadAsync().AsTask().WaitAsync(timeout);
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (Exception e) when (e is ChannelClosedException or TimeoutException)
        {
            string tail;
            lock (_stderr) tail = string.Join(Environment.NewLine, _stderr);
            throw new InvalidOperationException($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList.Take(2))} (pid {Id}) gave no answer: {e.Message}{Environment.NewLine}{tail}", e);
        }
    }

    public async Task<JsonElement> AskAsync(string line, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        return await ReadAsync(timeout);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { /* killed; nothing more to do */ }
        _process.Dispose();
    }
}
