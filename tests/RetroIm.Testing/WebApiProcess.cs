using System.Net;

namespace RetroIm.Testing;

/// <summary>
/// The real retro WebApi as a child process on 127.0.0.1 with its own SQLite file. With a Redis port it pushes through
/// the ImServer cluster on that Redis (<c>ImHelper:Redis</c>); without one it runs the embedded single node. Ready once
/// <c>/health</c> is 200.
/// </summary>
public sealed class WebApiProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ChildProcess _process;

    private readonly bool _ownsDatabase;

    private WebApiProcess(ChildProcess process, int port, string databasePath, bool ownsDatabase)
    {
        _process = process;
        Port = port;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The built WebApi (env <c>RETROIM_WEBAPI_DLL</c> overrides).</summary>
    public static string Dll => BuiltProgram.Find("RETROIM_WEBAPI_DLL", "WebApi/RetroIm.WebApi", "RetroIm.WebApi");

    public int Port { get; }

    /// <summary>The page, the SDK and the API: <c>http://127.0.0.1:{Port}/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The SQLite file (<c>Retro:Database</c>).</summary>
    public string DatabasePath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public OutputLog Log => _process.Log;

    /// <summary>Starts the WebApi and waits (bounded) for <c>/health</c> to answer 200.</summary>
    /// <param name="redisPort">The cluster's Redis on 127.0.0.1, or null for embedded mode.</param>
    /// <param name="databasePath">The SQLite file; a fresh temporary file when null.</param>
    /// <param name="extraArgs">More command-line configuration, e.g. <c>--Retro:VotesPerParticipant=5</c>.</param>
    public static async Task<WebApiProcess> StartAsync(int? redisPort, string? databasePath = null, IEnumerable<string>? extraArgs = null, TimeSpan? startTimeout = null)
    {
        var ownsDatabase = databasePath is null;
        databasePath ??= Path.Combine(Path.GetTempPath(), $"retroim-webapi-{Guid.NewGuid():N}.db");
        var extra = extraArgs?.ToArray() ?? [];
        for (var attempt = 1; ; attempt++)
        {
            var port = TestPorts.GetFreePort();
            var args = new List<string> { "--urls", $"http://127.0.0.1:{port}", $"--Retro:Database={databasePath}" };
            if (redisPort is { } redis) args.Add($"--ImHelper:Redis=127.0.0.1:{redis}");
            args.AddRange(extra);
            var process = ChildProcess.StartDotnet(Dll, args, new Dictionary<string, string>
            {
                // Not Development: serve the page and SDK the build copied next to the program, as in production.
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_gcServer"] = "0",
            });
            var api = new WebApiProcess(process, port, databasePath, ownsDatabase);
            try
            {
                // Exiting ends the wait too, so a program that fails to start is reported at once, with its output.
                await Wait.UntilAsync(async () => process.HasExited || await api.IsHealthyAsync().ConfigureAwait(false),
                    startTimeout ?? TimeSpan.FromSeconds(30), $"the WebApi on port {port} to be healthy", TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
                if (process.HasExited) throw new InvalidOperationException($"The WebApi exited during startup (code {await process.Exited.ConfigureAwait(false)}).");
                return api;
            }
            catch (Exception) when (attempt < 3 && process.HasExited && process.Log.Contains("address already in use"))
            {
                // Another process took the free port between the probe and the bind: try another one.
                await api.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await api.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"The WebApi did not start: {e.Message}{Environment.NewLine}{process.Log.Tail()}", e);
            }
        }
    }

    /// <summary>An HTTP client for the API with <see cref="BaseAddress"/> set.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

    private async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(BaseAddress, "/health")).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            // The client's timeout: a slow first request while the app warms up on a busy machine.
            return false;
        }
    }

    /// <summary>The WebApi's database file and its SQLite side files, removed after the process is gone.</summary>
    private void DeleteDatabase()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            try { File.Delete(DatabasePath + suffix); }
            catch (IOException) { /* left in the temp folder; harmless */ }
        }
    }

    public override string ToString() => $"WebApi {BaseAddress} (pid {ProcessId})";

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        if (_ownsDatabase) DeleteDatabase();
    }
}
