using System.Diagnostics;
using RetroIm.Testing;

namespace RetroIm.ImServer.Tests.Connect;

[TestFixture]
public sealed class ConcurrentConnectTests : ClusterTestBase
{
    [Test]
    public async Task FreshNode_ThousandConcurrentConnects_NoneRefused()
    {
        const int count = 1000;
        const int handlers = 4;
        var total = Stopwatch.StartNew();
        var node = await Cluster.StartNodeAsync();
        await TestContext.Out.WriteLineAsync($"node started in {total.Elapsed.TotalSeconds:0.00} s");
        var invokers = Enumerable.Range(0, handlers).Select(_ => new HttpMessageInvoker(new SocketsHttpHandler())).ToArray();
        var sockets = new TestWebSocketClient?[count];
        try
        {
            var ids = Enumerable.Range(0, count).Select(i => NewId("c" + i)).ToArray();
            var urls = await Task.WhenAll(ids.Select(id => Cluster.IssueUrlForNodeAsync(id, node, ttl: TimeSpan.FromSeconds(60))));

            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(urls.Select((url, i) => Task.Run(async () =>
            {
                try
                {
                    sockets[i] = await TestWebSocketClient.ConnectAsync(url, new TestWebSocketOptions { Invoker = invokers[i % handlers], ConnectTimeout = TimeSpan.FromSeconds(30) });
                    var welcome = await sockets[i]!.ExpectWelcomeAsync(TimeSpan.FromSeconds(30));
                    return welcome.Str("clientId") == ids[i] ? null : $"{ids[i]}: welcome for {welcome.Str("clientId")}";
                }
                catch (Exception e)
                {
                    return $"{ids[i]}: {e.GetType().Name}: {e.Message}";
                }
            })));
            var elapsed = clock.Elapsed;

            var failures = results.Where(r => r is not null).ToArray();
            await TestContext.Out.WriteLineAsync($"{count} concurrent connects to a fresh node: {failures.Length} failed, all welcomed after {elapsed.TotalSeconds:0.00} s");
            Assert.That(failures, Is.Empty, $"{failures.Length} of {count} refused; first: {failures.FirstOrDefault()}");
            await Wait.UntilAsync(
                async () => (await Cluster.Client.GetNodesAsync()).Single(n => n.Id == node.NodeId).Connections == count,
                Bound,
                $"the node's heartbeat to report {count} connections");
        }
        finally
        {
            var cleanup = Stopwatch.StartNew();
            await Task.WhenAll(sockets.Where(s => s is not null).Select(s => s!.DisposeAsync().AsTask()));
            foreach (var invoker in invokers) invoker.Dispose();
            await Cluster.RemoveNodeAsync(node);
            await TestContext.Out.WriteLineAsync($"cleanup {cleanup.Elapsed.TotalSeconds:0.00} s; whole test {total.Elapsed.TotalSeconds:0.00} s");
        }
    }
}
