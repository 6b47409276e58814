using System.Diagnostics;
using System.Net;

namespace RetroIm.Testing;

/// <summary>
/// A real ImServer node as a child process on 127.0.0.1, started with short heartbeat settings
/// (HeartbeatInterval 1 s, NodeTtl 3 s) so node failure is detected within seconds. Ready once <c>/health</c> is 200.
/// </summary>
public sealed class ImServerProcess : IAsyncDisposable
{
    /// <summary>The heartbeat settings every test node runs with.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="HeartbeatInterval"/>
    public static readonly TimeSpan NodeTtl = TimeSpan.FromSeconds(3);

    // Test nodes with TLS use a self-signed certificate: /health is asked without checking it.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    }) { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ChildProcess _process;
    private readonly bool _tls;

    private ImServerProcess(ChildProcess process, int port, bool tls)
    {
        _process = process;
        Port = port;
        _tls = tls;
    }

    public int Port { get; }

    /// <summary>The public URL the node advertises (<c>ImServer:Server</c>).</summary>
    public string Url => $"{(_tls ? "wss" : "ws")}://127.0.0.1:{Port}";

    /// <summary>The node id: by default the host:port of <see cref="Url"/>.</summary>
    public string NodeId => $"127.0.0.1:{Port}";

    public Uri HttpBase => new($"{(_tls ? "https" : "http")}://127.0.0.1:{Port}");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public OutputLog Log => _process.Log;

    /// <summary>Starts a node and waits (bounded) for <c>/health</c> to answer 200.</summary>
    /// <param name="redisPort">The cluster's Redis on 127.0.0.1.</param>
    /// <param name="extraArgs">More command-line configuration, e.g. <c>--ImServer:SendQueueLimit=8</c>.</param>
    /// <param name="tlsCertificate">A PFX file (no password): the node then listens with TLS in Kestrel (https, wss).</param>
    public static async Task<ImServerProcess> StartAsync(int redisPort, IEnumerable<string>? extraArgs = null, TimeSpan? startTimeout = null,
        CancellationToken cancellationToken = default, string? tlsCertificate = null)
    {
        var extra = extraArgs?.ToArray() ?? [];
        var tls = tlsCertificate is not null;
        for (var attempt = 1; ; attempt++)
        {
            var port = TestPorts.GetFreePort();
            var args = new List<string>
            {
                "--urls", $"{(tls ? "https" : "http")}://127.0.0.1:{port}",
                $"--ImServer:Server={(tls ? "wss" : "ws")}://127.0.0.1:{port}",
                $"--ImServer:Redis=127.0.0.1:{redisPort}",
                $"--ImServer:HeartbeatInterval={HeartbeatInterval:c}",
                $"--ImServer:NodeTtl={NodeTtl:c}",
            };
            if (tls) args.Add($"--Kestrel:Certificates:Default:Path={tlsCertificate}");
            args.AddRange(extra);
            var process = ChildProcess.StartDotnet(BuiltProgram.ImServerDll, args, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_gcServer"] = "0",
            });
            var node = new ImServerProcess(process, port, tls);
            try
            {
                await node.WaitHealthyAsync(startTimeout ?? TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                return node;
            }
            catch (Exception) when (attempt < 3 && process.HasExited && process.Log.Contains("address already in use"))
            {
                // Another process took the free port between the probe and the bind: try another one.
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>GET /health: the status code, or null when nothing answers.</summary>
    public async Task<HttpStatusCode?> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(HttpBase, "/health"), cancellationToken).ConfigureAwait(false);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode? last = null;
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"ImServer exited during startup (code {await _process.Exited.ConfigureAwait(false)}):{Environment.NewLine}{Log.Tail()}");
            }
            last = await GetHealthAsync(cancellationToken).ConfigureAwait(false);
            if (last == HttpStatusCode.OK) return;
            await Task.WhenAny(_process.Exited, Task.Delay(100, cancellationToken)).ConfigureAwait(false);
        }
        throw new TimeoutException($"ImServer on port {Port} was not healthy within {timeout.TotalSeconds:0} s (last /health: {last?.ToString() ?? "no answer"}):{Environment.NewLine}{Log.Tail()}");
    }

    /// <summary>kill -9: no shutdown, no deregistration; the cluster must notice by the missing heartbeat.</summary>
    public void Kill() => _process.Kill();

    /// <summary>
    /// Sends SIGTERM and waits for the exit. Returns the time from the signal to the exit; throws
    /// <see cref="TimeoutException"/> (after killing the process) when it takes longer than <paramref name="timeout"/>.
    /// </summary>
    public async Task<TimeSpan> StopGracefullyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!_process.Signal(UnixSignal.SigTerm) && !_process.HasExited)
        {
            throw new InvalidOperationException($"Could not send SIGTERM to process {ProcessId}.");
        }
        try
        {
            await _process.WaitForExitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill();
            throw;
        }
        return clock.Elapsed;
    }

    /// <summary>The exit code once exited.</summary>
    public Task<int> Exited => _process.Exited;

    public override string ToString() => $"ImServer {NodeId} (pid {ProcessId})";

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
