using System.Diagnostics;
using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>The orchestrator's handle on one <see cref="LoadGen"/> child: write a command line, read its JSON answer.</summary>
internal sealed class LoadGenProcess : IAsyncDisposable
{
    private readonly Process _process;

    private const string Chrt = "/usr/bin/chrt";

    /// <summary>
    /// Load generators run under SCHED_BATCH (<c>chrt --batch 0</c>, util-linux) where it exists: a batch task that a
    /// server's send wakes does not preempt that server, so the clients — on other machines in production — take less
    /// of the servers' CPU and their own. Measured on fan-out (10,000 clients, 50,000/s): load generators' CPU −40 %,
    /// servers' CPU per delivery unchanged. The same for every system measured; reported as <c>loadgen_sched</c>.
    /// </summary>
    public static bool BatchScheduling { get; } = File.Exists(Chrt);

    private LoadGenProcess(Process process, int clients)
    {
        _process = process;
        Clients = clients;
    }

    public int Id => _process.Id;

    /// <summary>How many clients this process drives (<see cref="LoadGenSpec.Count"/>).</summary>
    public int Clients { get; }

    /// <summary>What reads its sockets (<see cref="MessageReceiver.Kind"/>), from its hello; reported as <c>loadgen_receive</c>.</summary>
    public string Receive { get; private set; } = "";

    /// <summary>Starts the child and waits (bounded) for its hello, so its start-up is not counted as connect time.</summary>
    public static async Task<LoadGenProcess> StartAsync(LoadGenSpec spec, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(BatchScheduling ? Chrt : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (BatchScheduling)
        {
            info.ArgumentList.Add("--batch");
            info.ArgumentList.Add("0");
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(typeof(LoadGen).Assembly.Location);
        info.ArgumentList.Add("loadgen");
        foreach (var a in spec.ToArgs()) info.ArgumentList.Add(a);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var child = new LoadGenProcess(Process.Start(info)!, spec.Count);
        try
        {
            var hello = await child.ReadAsync(timeout);
            child.Receive = hello.TryGetProperty("receive", out var receive) ? receive.GetString() ?? "" : "";
            if (hello.TryGetProperty("refused", out var refused) && refused.GetString() is { } why)
                Console.Error.WriteLine($"load generator {child.Id}: io_uring refused ({why}), reading with epoll");
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads the next JSON line the child prints (bounded).</summary>
    public async Task<JsonElement> ReadAsync(TimeSpan timeout)
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout)
            ?? throw new InvalidOperationException($"load generator {Id} exited");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<JsonElement> AskAsync(string command, TimeSpan timeout)
    {
        await SendAsync(command);
        return await ReadAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("exit");
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Whatever went wrong, make sure it is gone.
        }
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        _process.Dispose();
    }
}
