using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace RetroIm.Testing;

/// <summary>
/// A real redis-server on 127.0.0.1 and a free port, owned by a test. <see cref="RestartAsync"/> brings it back on the
/// same port, <see cref="StopAsync"/> shuts it down gracefully (SIGTERM), <see cref="KillAsync"/> kills it (SIGKILL).
/// Disposing kills it and deletes its directory. No process outlives the test run: a watchdog shell kills redis when
/// the test process dies, however it dies, and a ProcessExit hook covers servers a test forgot to dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const int MaxPortAttempts = 5;
    private static readonly ConcurrentDictionary<RedisServer, byte> Live = new();

    private readonly RedisServerOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private Process? _watchdog;
    private TaskCompletionSource _readyOrExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    static RedisServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Live.Keys)
            {
                server.KillNow();
            }
        };
    }

    private RedisServer(RedisServerOptions options, int port)
    {
        _options = options;
        Port = port;
        DataDirectory = Directory.CreateTempSubdirectory("retroim-redis-").FullName;
    }

    /// <summary>Always the IPv4 loopback address.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port; the same across restarts.</summary>
    public int Port { get; }

    /// <summary>The password from <see cref="RedisServerOptions.Password"/>, if any.</summary>
    public string? Password => _options.Password;

    /// <summary>A RetroIm/FreeRedis connection string: <c>127.0.0.1:port</c> plus <c>,password=…</c> when set.</summary>
    public string ConnectionString =>
        $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}" + (Password is null ? "" : ",password=" + Password);

    /// <summary>The working directory (<c>--dir</c>): where append-only files live. Deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>True while the redis-server process is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The current redis-server process id, or null when stopped.</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;

    /// <summary>Everything redis-server printed (across restarts), for failure messages.</summary>
    public OutputLog Log { get; } = new(capacity: 500);

    /// <summary>Starts redis-server on a free loopback port and returns once it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server could not start; the message carries its output.</exception>
    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RedisServerOptions();
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(options, TestPorts.GetFreePort());
            try
            {
                await server.LaunchAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (PortInUseException) when (attempt < MaxPortAttempts)
            {
                // Another process took the port between the probe and redis' bind: try another.
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Graceful shutdown (SIGTERM: append-only data is flushed); waits for the exit, SIGKILL after 10 s.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(graceful: true).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>kill -9: the process dies at once, clients see their connections reset.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(graceful: false).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the server gracefully if it is running, then starts it again on the same port with the same options;
    /// returns once it answers PING. Data survives only with <see cref="RedisServerOptions.AppendOnly"/>.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await StopCoreAsync(graceful: true).ConfigureAwait(false);

            // redis binds with SO_REUSEADDR so the port is normally free at once; allow a moment for a straggler.
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await LaunchAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PortInUseException) when (deadline.Elapsed < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills the server (no need to be gentle with throwaway data) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await StopCoreAsync(graceful: false).ConfigureAwait(false);
            Live.TryRemove(this, out _);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"redis-server {ConnectionString.Split(',')[0]} ({(IsRunning ? "running" : "stopped")})";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = new ProcessStartInfo(_options.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in BuildArguments())
        {
            info.ArgumentList.Add(arg);
        }

        var readyOrExited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _readyOrExited = readyOrExited;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnOutput("[out]", e.Data, readyOrExited);
        process.ErrorDataReceived += (_, e) => OnOutput("[err]", e.Data, readyOrExited);
        process.Exited += (_, _) => readyOrExited.TrySetResult();
        Log.Add("[cmd]", $"{_options.Executable} {string.Join(' ', info.ArgumentList.Select(a => a.Length == 0 ? "''" : a))}");
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == 2) // ENOENT
        {
            process.Dispose();
            throw new InvalidOperationException(
                $"'{_options.Executable}' was not found on PATH. Install Redis (Debian: apt-get install redis-server); "
                + "./test.sh and tests/bench/run.sh install it themselves.", e);
        }
        _process = process;
        Live.TryAdd(this, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _watchdog = StartWatchdog(process.Id);

        await WaitUntilReadyAsync(process, cancellationToken).ConfigureAwait(false);
    }

    private IEnumerable<string> BuildArguments()
    {
        string[] basics =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--daemonize", "no",
            "--dir", DataDirectory, "--logfile", "", "--save", "",
        ];
        IEnumerable<string> arguments = basics;
        arguments = arguments.Concat(_options.AppendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        if (_options.Password is not null)
        {
            arguments = arguments.Concat(["--requirepass", _options.Password]);
        }

        return arguments.Concat(_options.ExtraArgs);
    }

    private void OnOutput(string stream, string? line, TaskCompletionSource readyOrExited)
    {
        if (line is null)
        {
            return;
        }

        Log.Add(stream, line);
        if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
            readyOrExited.TrySetResult();
        }
    }

    /// <summary>
    /// A shell that blocks reading a pipe only this process holds; when the test process dies the pipe closes and
    /// the shell kills redis. Killed first on a normal stop, so it never fires on a recycled pid.
    /// </summary>
    private static Process StartWatchdog(int redisPid)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("read -r _; kill -9 \"$1\" 2>/dev/null");
        info.ArgumentList.Add("redis-watchdog");
        info.ArgumentList.Add(redisPid.ToString(CultureInfo.InvariantCulture));
        return Process.Start(info)!;
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false); // drains the output
                var output = Log.Tail(40);
                if (output.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new PortInUseException();
                }

                throw new InvalidOperationException($"redis-server on port {Port} exited with code {process.ExitCode} before it was ready:\n{output}");
            }

            if (await PingAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed > _options.StartTimeout)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {_options.StartTimeout.TotalSeconds:0} s:\n{Log.Tail(40)}");
            }

            // Normally the "Ready to accept connections" line or the exit ends this wait; the bound keeps polling
            // working when a --loglevel in ExtraArgs hides that line.
            try
            {
                await _readyOrExited.Task.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // poll again
            }
        }
    }

    /// <summary>True when the server answers PING with PONG (after AUTH when a password is set).</summary>
    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(Host, Port, timeout.Token).ConfigureAwait(false);
            var request = Password is null ? Command("PING") : Command("AUTH", Password) + Command("PING");
            await socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var expectedLines = Password is null ? 1 : 2;
            var received = new StringBuilder();
            var buffer = new byte[256];
            while (CountLines(received) < expectedLines)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return false;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            // "-LOADING" (append-only file still loading) or a refused AUTH mean: not usable yet.
            return received.ToString().EndsWith("+PONG\r\n", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Command(params string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return text.ToString();
    }

    private static int CountLines(StringBuilder text)
    {
        var count = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '\n' && text[i - 1] == '\r')
            {
                count++;
            }
        }

        return count;
    }

    private async Task StopCoreAsync(bool graceful)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            if (graceful)
            {
                UnixSignal.Send(process.Id, UnixSignal.SigTerm);
            }
            else
            {
                TryKill(process);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                TryKill(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        Log.Add("[exit]", $"exit code {process.ExitCode}");
        StopWatchdog();
        process.Dispose();
        _process = null;
    }

    private void StopWatchdog()
    {
        if (_watchdog is { } watchdog)
        {
            TryKill(watchdog);
            watchdog.Dispose();
            _watchdog = null;
        }
    }

    /// <summary>Last resort at process exit: no awaiting, no locks.</summary>
    private void KillNow()
    {
        if (_process is { } process)
        {
            TryKill(process);
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>redis-server could not bind its port; the caller may try another (or wait).</summary>
    private sealed class PortInUseException : Exception
    {
        public PortInUseException()
            : base("The port is in use.")
        {
        }
    }
}
