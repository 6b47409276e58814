using System.Text;
using Microsoft.Playwright;
using RetroIm.Testing;

namespace RetroIm.E2E.Tests;

/// <summary>
/// Everything real the browser tests talk to: a redis-server, two ImServer nodes on it (short heartbeats), the WebApi
/// pushing through that cluster with its own SQLite file, and Debian's Chromium driven by Playwright.
/// </summary>
internal sealed class RetroEnvironment : IAsyncDisposable
{
    private RetroEnvironment(ImCluster cluster, WebApiProcess webApi, IPlaywright playwright, IBrowser browser)
    {
        Cluster = cluster;
        WebApi = webApi;
        Playwright = playwright;
        Browser = browser;
        Http = new RetroHttp(webApi.CreateClient());
    }

    public ImCluster Cluster { get; }

    public WebApiProcess WebApi { get; }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public RetroHttp Http { get; }

    public static async Task<RetroEnvironment> StartAsync()
    {
        // The browser starts while the processes boot: on two cores the two waits overlap well.
        var browserStart = LaunchBrowserAsync();
        ImCluster? cluster = null;
        WebApiProcess? webApi = null;
        try
        {
            cluster = await ImCluster.StartAsync(nodeCount: 2);
            webApi = await WebApiProcess.StartAsync(cluster.Redis.Port);
            var (playwright, browser) = await browserStart;
            return new RetroEnvironment(cluster, webApi, playwright, browser);
        }
        catch
        {
            if (webApi is not null) await webApi.DisposeAsync();
            if (cluster is not null) await cluster.DisposeAsync();
            try
            {
                var (playwright, browser) = await browserStart;
                await browser.DisposeAsync();
                playwright.Dispose();
            }
            catch (Exception)
            {
                // The first failure is the one to report.
            }
            throw;
        }
    }

    private static async Task<(IPlaywright, IBrowser)> LaunchBrowserAsync()
    {
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            return (playwright, await Chromium.LaunchAsync(playwright));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>The tail of every process's output, for a failed test's report.</summary>
    public string DescribeForFailure()
    {
        var text = new StringBuilder();
        text.AppendLine($"----- {WebApi}{(WebApi.HasExited ? " (exited)" : "")} -----");
        text.AppendLine(WebApi.Log.Tail(150));
        text.Append(Cluster.DescribeForFailure(60));
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await WebApi.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
